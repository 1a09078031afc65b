// Set-up form first (validation fails now and then, as a flaky real one does), then the board.
import {addCard, connect} from "./connection.js";
import {store, subscribe} from "./store.js";

const $ = (id) => document.getElementById(id);

function render() {
  const status = $("status");
  status.dataset.state = store.state;
  status.textContent = store.state;
  $("cards").replaceChildren(...store.cards.map((c) => {
    const li = document.createElement("li");
    li.textContent = c.title;
    li.className = c.pending ? "pending" : "stored";
    return li;
  }));
}

function openBoard(project) {
  store.project = project;
  $("setup").hidden = true;
  $("board").hidden = false;
  $("project-title").textContent = project;
  subscribe(render);
  render();
  connect();
}

$("create-project").addEventListener("click", () => {
  const name = $("project-name").value.trim();
  const error = $("setup-error");
  // "Validation" that sometimes fails: the kind of flakiness a set-up flow must survive.
  if (!name || Math.random() < 0.3) {
    error.textContent = name ? "Validation failed, please try again" : "A project needs a name";
    error.hidden = false;
    return;
  }
  localStorage.setItem("board.project", name);
  openBoard(name);
});

$("add-card").addEventListener("click", () => {
  const title = $("card-title").value.trim();
  if (title) addCard(title);
  $("card-title").value = "";
});

const saved = localStorage.getItem("board.project");
if (saved) openBoard(saved);
