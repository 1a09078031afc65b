"""Check `delivered_exactly_once` on canned journals."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.delivery import DeliveredExactlyOnce


def sent(keys: list[str], client: str = "b0") -> JournalBuilder:
    """b0 sends one ticket per key, each acked 0.1s later."""
    j = JournalBuilder(["b0", "b1"])
    for i, key in enumerate(keys, start=1):
        j.action(i, client, key, f"m{i}").frame(i, client, "sent", "ticket_notification", f"m{i}")
        j.frame(i + 0.1, client, "received", "ack", f"m{i}")
    return j.steps_end(20)


def test_passes_when_every_key_is_in_the_ledger_once():
    """Three keys sent, three ledger entries, all acked."""
    j = sent(["ticket:T-1", "ticket:T-2", "ticket:T-3"]).ledger(21, ["ticket:T-1", "ticket:T-2", "ticket:T-3"])
    result = DeliveredExactlyOnce(order=True).judge(j.run())
    assert result.passed
    assert result.summary == "all 3 messages delivered exactly once, in order (3 acked)"
    assert result.metrics["lost"] == 0 and result.metrics["sent"] == 3


def test_fails_on_a_lost_and_a_duplicated_key():
    """A missing key is lost, a key stored twice is duplicated."""
    j = sent(["ticket:T-1", "ticket:T-2", "ticket:T-3"]).ledger(21, ["ticket:T-1", "ticket:T-1", "ticket:T-3"])
    result = DeliveredExactlyOnce().judge(j.run())
    assert not result.passed
    assert result.summary == "3 messages sent: 1 lost, 1 duplicated"
    assert result.evidence == [
        "lost: b0 add_ticket ticket:T-2 (message_id m2) at t=2.0s is not in the server ledger although it was acked",
        "duplicated: ticket:T-1 appears 2 times in the server ledger (expected once)"]
    assert result.at == [2.0]


def test_fails_on_a_message_resent_after_its_ack():
    """Sending an id again after its ack arrived is a client bug even if the server deduplicates."""
    j = sent(["ticket:T-1"]).frame(5, "b0", "sent", "ticket_notification", "m1").ledger(21, ["ticket:T-1"])
    result = DeliveredExactlyOnce().judge(j.run())
    assert not result.passed
    assert result.summary == "1 message sent: 1 sent again wrongly"
    assert result.evidence == ["resent after ack: b0 sent message m1 again at t=5.0s after its ack arrived at t=1.1s"]


def reconnect_around_an_ack(attempt_t: float) -> JournalBuilder:
    """b0 sends m1 on s1; its ack reaches s1 at t=2.0; b0 starts a new attempt at `attempt_t`,
    opens s2 and sends m1 again there at t=2.3 (the server answers duplicate)."""
    j = JournalBuilder(["b0"]).ws_open(0.5, "b0", "s1").action(1, "b0", "ticket:T-1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(2, "b0", "received", "ack", "m1")
    j.attempt(attempt_t, "b0").ws_close(2.2, "b0", "s1", code=4001).ws_open(2.25, "b0", "s2")
    j.frame(2.3, "b0", "sent", "ticket_notification", "m1", socket="s2")
    j.frame(2.4, "b0", "received", "ack", "m1", socket="s2", duplicate=True)
    j.steps_end(20)
    return j.add(21, "server.ledger", entries=[{"seq": 1, "key": "ticket:T-1", "message_id": "m1"}])


def test_an_ack_racing_the_clients_own_reconnect_does_not_count_as_seen():
    """The client gave up on s1 (heartbeat timeout) as the ack came in: the browser drops frames
    of a socket the page has left, so the retry on s2 is correct (soak seed 7, t=199.2s)."""
    result = DeliveredExactlyOnce().judge(reconnect_around_an_ack(attempt_t=2.001).run())
    assert result.passed, result.evidence
    assert result.summary == "all 1 message delivered exactly once (1 acked)"
    assert result.metrics["resent_after_ack"] == 0


def test_an_ack_arriving_as_the_client_gives_the_socket_up_does_not_count_as_seen():
    """Seen in an 8-hour soak: a frozen server's backlog of acks arrives 1 ms before the page's probe says
    reconnecting and 200 ms before it dials again (a backoff): the page never read it, and its resend is a retry."""
    j = reconnect_around_an_ack(attempt_t=2.2).probe(0.6, "b0", state="connected").probe(2.001, "b0", state="reconnecting")
    result = DeliveredExactlyOnce().judge(j.probe(2.3, "b0", state="connected").run())
    assert result.passed, result.evidence


def test_a_resend_the_pages_own_lag_explains_is_inconclusive_not_failed():
    """Seen in an 8-hour soak on a busy machine: the ack came 80 ms before the page dialled again, 30 ms over the
    race, while the page's timers ran 45 ms late: it may never have read it. Inconclusive, with the lag as evidence."""
    j = reconnect_around_an_ack(attempt_t=2.08).lag(2.5, "b0", 45.0, window_s=1.0)
    result = DeliveredExactlyOnce().judge(j.run())
    assert (result.status, result.summary) == ("inconclusive", "1 message sent: 1 sent again wrongly")
    assert result.evidence == ["resent after ack: b0 sent message m1 again at t=2.3s after its ack arrived at t=2.0s "
                               "(its ack came 80ms before b0 left the socket, over the 50ms race: 30ms over, but b0's "
                               "timers ran up to 45ms late between t=1.5s and t=2.5s (machine busy))"]


def test_a_resend_after_an_ack_that_came_before_the_reconnect_fails():
    """The ack reached s1 a clear 0.2s before the client left it: the client had it and resent anyway."""
    result = DeliveredExactlyOnce().judge(reconnect_around_an_ack(attempt_t=2.2).run())
    assert not result.passed
    assert result.evidence == ["resent after ack: b0 sent message m1 again at t=2.3s after its ack arrived at t=2.0s"]


def test_browser_actions_count_as_acked_through_the_ledgers_message_id():
    """A page's action has no message id; the ledger entry for its key names the id that was acked."""
    j = JournalBuilder(["b0"]).action(1, "b0", "ticket:T-1").frame(1, "b0", "sent", "ticket_notification", "m7")
    j.frame(1.1, "b0", "received", "ack", "m7").steps_end(20)
    j.add(21, "server.ledger", entries=[{"seq": 1, "key": "ticket:T-1", "message_id": "m7"}])
    result = DeliveredExactlyOnce().judge(j.run())
    assert result.summary == "all 1 message delivered exactly once (1 acked)"
    assert result.metrics["acked"] == 1


def test_the_targets_ack_type_decides_which_frames_are_acks():
    """With `ack_type: receipt` (recorded in run.start) an `ack` frame acknowledges nothing."""
    j = JournalBuilder(["b0"], ack_type="receipt").action(1, "b0", "ticket:T-1", "m1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(1.1, "b0", "received", "ack", "m1")
    j.frame(5, "b0", "sent", "ticket_notification", "m1").steps_end(20).ledger(21, ["ticket:T-1"])
    assert DeliveredExactlyOnce().judge(j.run()).passed  # the resend at t=5 followed no receipt
    j.frame(2, "b0", "received", "receipt", "m1")
    result = DeliveredExactlyOnce().judge(j.run())
    assert result.evidence == ["resent after ack: b0 sent message m1 again at t=5.0s after its ack arrived at t=2.0s"]


def test_fails_on_a_message_sent_twice_on_one_connection():
    """Two copies of one id at once on the same socket (leaked listeners) is a duplicate send."""
    j = JournalBuilder(["b0"]).action(1, "b0", "ticket:T-1", "m1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(1.02, "b0", "sent", "ticket_notification", "m1")
    j.frame(1.3, "b0", "received", "ack", "m1").steps_end(20).ledger(21, ["ticket:T-1"])
    result = DeliveredExactlyOnce().judge(j.run())
    assert not result.passed
    assert result.summary == "1 message sent: 1 sent again wrongly"
    assert result.evidence == ["sent twice on one connection: b0 sent message m1 on socket s1 at t=1.0s and again at t=1.0s"]


def test_a_retry_after_an_ack_timeout_on_the_same_connection_is_fine():
    """A second copy a second later, with no ack yet, is an ack-timeout retry that the server deduplicates."""
    j = JournalBuilder(["b0"]).action(1, "b0", "ticket:T-1", "m1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(2, "b0", "sent", "ticket_notification", "m1")
    j.frame(2.1, "b0", "received", "ack", "m1").steps_end(20).ledger(21, ["ticket:T-1"])
    assert DeliveredExactlyOnce().judge(j.run()).passed


def test_a_retry_after_an_error_reply_on_the_same_connection_is_fine():
    """The server refused the first copy (rate_limited): sending it again on that socket is a retry."""
    j = JournalBuilder(["b0"]).action(1, "b0", "ticket:T-1", "m1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(1.05, "b0", "received", "error", "m1")
    j.frame(2, "b0", "sent", "ticket_notification", "m1").frame(2.1, "b0", "received", "ack", "m1")
    result = DeliveredExactlyOnce().judge(j.steps_end(20).ledger(21, ["ticket:T-1"]).run())
    assert result.passed, result.evidence


def test_order_compares_the_ledger_with_the_send_order():
    """order: true fails when the ledger holds a client's keys in another order."""
    j = sent(["ticket:T-1", "ticket:T-2"]).ledger(21, ["ticket:T-2", "ticket:T-1"])
    result = DeliveredExactlyOnce(order=True).judge(j.run())
    assert not result.passed
    assert result.summary == "2 messages sent: 1 out of order"
    assert result.evidence == ["order: b0 sent ticket:T-1, ticket:T-2 but the ledger holds "
                               "ticket:T-2, ticket:T-1 (first difference at position 1)"]


def test_fails_clearly_without_a_server_ledger():
    """No server.ledger event: the check cannot judge and says why."""
    result = DeliveredExactlyOnce().judge(sent(["ticket:T-1"]).run())
    assert not result.passed
    assert result.summary == "no server.ledger in the journal: cannot tell what the server received"


def test_key_prefix_and_clients_narrow_what_is_judged():
    """Only b1's trigger: keys are judged; b0's lost ticket does not count."""
    j = sent(["ticket:T-1"]).action(3, "b1", "trigger:T-1:m9", "m9").ledger(21, ["trigger:T-1:m9"])
    assert DeliveredExactlyOnce(clients="b1", key_prefix="trigger:").judge(j.run()).passed
    result = DeliveredExactlyOnce(key_prefix="nothing:").judge(j.run())
    assert not result.passed
    assert result.summary == "no action with a key starting 'nothing:' by b0, b1: nothing to deliver"


def test_no_ledger_because_the_server_was_killed_from_outside_names_the_death():
    """The server died with SIGKILL and no step asked for it: the ledger could not be read, the
    check cannot judge, and says who died and when instead of blaming the target's set-up."""
    j = (JournalBuilder().proc(0.1, "start", pid=4101).proc(0.5, "ready", pid=4101)
         .action(2, "b0", "ticket:T-1").proc(12.3, "exit", pid=4101, returncode=-9).steps_end(20))
    result = DeliveredExactlyOnce().judge(j.run())
    assert result.status == "not_judged"
    assert result.summary == ("the server's ledger could not be read: the server was not running when the steps "
                              "ended, so what it received cannot be told")
    assert result.evidence == ["the app's server (pid 4101) exited with signal 9 (SIGKILL) at t=12.3s, not asked "
                               "for by any step"]


def test_no_ledger_without_a_server_stop_asks_for_a_ledger_source():
    """A server running to the end but no ledger read: the target declares none."""
    j = JournalBuilder().proc(0.1, "start").proc(0.5, "ready").action(2, "b0", "ticket:T-1").steps_end(20)
    result = DeliveredExactlyOnce().judge(j.run())
    assert result.status == "failed"
    assert result.evidence == ["the runner records `server.ledger` from the target's ledger at the end of the run; "
                               "check that the target declares a ledger source"]


def test_a_lost_page_action_names_no_empty_message_id():
    """A page's action has no message id of its own: the lost line says so by leaving it out, not `message_id None`."""
    j = JournalBuilder().action(2, "b0", "ticket:T-1").ledger(21, []).steps_end(22)
    result = DeliveredExactlyOnce().judge(j.run())
    assert result.evidence == ["lost: b0 add_ticket ticket:T-1 at t=2.0s is not in the server ledger"]


def lost_ack(kept_from_client: bool) -> JournalBuilder:
    """b0 sends m1 on s1; its ack is on the wire at t=2.0 but (when `kept_from_client`) a
    close_after kept it from the page; b0 reconnects and sends m1 again on s2."""
    j = JournalBuilder(["b0"]).ws_open(0.5, "b0", "s1").action(1, "b0", "ticket:T-1")
    j.frame(1, "b0", "sent", "ticket_notification", "m1").frame(2, "b0", "received", "ack", "m1")
    if kept_from_client:
        j.add(2.001, "message.fault", client="b0", fault_id="m3", fault="close_after", action="closed",
              dir="received", type="ack", id="m1", data={"type": "ack", "id": "m1"}, delivered=False, code=1006)
    j.ws_close(2.1, "b0", "s1", code=1006).attempt(3, "b0").ws_open(3.05, "b0", "s2")
    j.frame(3.1, "b0", "sent", "ticket_notification", "m1", socket="s2")
    j.frame(3.2, "b0", "received", "ack", "m1", socket="s2", duplicate=True)
    return j.steps_end(20).ledger(21, ["ticket:T-1"])


def test_an_ack_a_message_fault_kept_from_the_client_is_not_an_ack_it_got():
    """The re-send after a lost ack (close_after, delivered false) is a correct retry, not a resend after ack."""
    result = DeliveredExactlyOnce().judge(lost_ack(kept_from_client=True).run())
    assert result.passed, result.evidence
    assert result.metrics["resent_after_ack"] == 0


def test_the_same_journal_without_the_fault_is_a_resend_after_ack():
    """Without the message.fault the wire's ack counts, and the re-send is wrong."""
    result = DeliveredExactlyOnce().judge(lost_ack(kept_from_client=False).run())
    assert not result.passed
    assert result.evidence == ["resent after ack: b0 sent message m1 again at t=3.1s after its ack arrived at t=2.0s"]


def restarted_in_memory() -> JournalBuilder:
    """The server starts at t=0 and restarts at t=5 with an empty ledger: T-1 and T-2 were sent before, T-3 after."""
    j = JournalBuilder(["b0"]).proc(0, "start")
    for i, key in enumerate(["ticket:T-1", "ticket:T-2"], start=1):
        j.action(i, "b0", key, f"m{i}").frame(i, "b0", "sent", "ticket_notification", f"m{i}")
    j.proc(4.5, "stop", how="graceful").proc(5, "start", pid=101)
    j.action(6, "b0", "ticket:T-3", "m3").frame(6, "b0", "sent", "ticket_notification", "m3")
    return j.steps_end(20)


def test_since_last_start_judges_only_what_a_restarted_memory_can_hold():
    """since_last_start: the two messages the restart forgot are left out, and the evidence says so."""
    j = restarted_in_memory().ledger(21, ["ticket:T-3"])
    assert DeliveredExactlyOnce().judge(j.run()).summary == "3 messages sent: 2 lost"
    result = DeliveredExactlyOnce(since_last_start=True).judge(j.run())
    assert result.passed and result.summary == "all 1 message delivered exactly once (0 acked)"
    assert result.evidence == ["judged the 1 message sent from the server's last start at t=5.0s on; 2 messages sent "
                               "before it are not (since_last_start: the server keeps its ledger in memory)"]


def test_since_last_start_still_fails_what_the_new_server_lost():
    """A message sent after the last start and missing from its ledger is lost."""
    j = restarted_in_memory().ledger(21, [])
    result = DeliveredExactlyOnce(since_last_start=True).judge(j.run())
    assert not result.passed and result.summary == "1 message sent: 1 lost"


def test_since_last_start_with_nothing_sent_since_is_not_judged():
    """No message after the last start: nothing to judge, which is not a pass."""
    j = JournalBuilder(["b0"]).proc(0, "start").action(1, "b0", "ticket:T-1", "m1").proc(5, "start", pid=101)
    result = DeliveredExactlyOnce(since_last_start=True).judge(j.steps_end(20).ledger(21, []).run())
    assert result.status == "not_judged"
    assert result.summary == ("no keyed message sent since the server's last start at t=5.0s: nothing it could still "
                              "remember to judge")
