"""The report's inline stylesheet (one place, so html.py and index.py look alike)."""

CSS = """
:root { --ok:#2b9348; --bad:#c1121f; --warn:#f3a712; --err:#7b2cbf; --ink:#1b1f24;
  --muted:#5c6670; --line:#dde1e6; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:var(--ink); background:var(--bg); }
main { max-width:1280px; margin:0 auto; padding:20px 24px 60px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:17px; margin:28px 0 10px; }
h3 { font-size:14px; margin:18px 0 8px; color:var(--muted); text-transform:uppercase;
  letter-spacing:.04em; }
a { color:#1f5fa8; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(190px,1fr)); gap:10px; }
.kv { font-size:12px; color:var(--muted); } .kv b { display:block; font-size:16px; color:var(--ink);
  word-break:break-word; }
.badge { display:inline-block; padding:1px 9px; border-radius:10px; font-size:12px; font-weight:600;
  color:#fff; vertical-align:middle; }
.passed { background:var(--ok); } .failed { background:var(--bad); } .error { background:var(--err); }
.interrupted { background:var(--warn); color:#222; }
.inconclusive { background:#8d99ae; } .skipped { background:#adb5bd; color:#222; }
ul.reasons { margin:4px 0 0; padding-left:18px; color:#3d4a5c; }
pre.cmd { background:#1b1f24; color:#e9ecef; padding:9px 12px; border-radius:6px; margin:6px 0;
  overflow-x:auto; user-select:all; font-size:12.5px; white-space:pre-wrap; word-break:break-all; }
table { border-collapse:collapse; width:100%; background:var(--card); font-size:13px; }
th, td { text-align:left; padding:6px 9px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef0f3; font-weight:600; font-size:12px; color:var(--muted); }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.fail td { background:#fff3f3; } tr.unjudged td { background:#f4f5f7; }
td.mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; word-break:break-all; }
ul.evidence { margin:4px 0 0; padding-left:18px; color:var(--muted); }
tr.fail ul.evidence { color:#7a0c14; }  /* red only for evidence of a check that did not pass */
details.scenario { background:var(--card); border:1px solid var(--line); border-radius:8px;
  margin:14px 0; }
details.scenario > summary { cursor:pointer; padding:12px 16px; font-size:16px; font-weight:600;
  list-style-position:outside; }
details.scenario > summary .desc { display:block; font-weight:400; font-size:13px; color:var(--muted); }
details.scenario[open] > summary { border-bottom:1px solid var(--line); }
.body { padding:4px 16px 16px; }
svg.plot { width:100%; height:auto; display:block; background:#fff; }
.charts svg.plot { max-width:640px; }
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(420px,1fr)); gap:12px; }
.gallery { display:grid; grid-template-columns:repeat(auto-fill,minmax(400px,1fr)); gap:12px; }
/* No script: a thumbnail, clicked, takes focus and fills the window; a click elsewhere closes it. */
.gallery img { cursor:zoom-in; }
.gallery img:focus { position:fixed; inset:0; width:100vw; height:100vh; object-fit:contain; z-index:10;
  background:rgba(20,24,28,.9); padding:2vh 2vw; box-sizing:border-box; cursor:zoom-out; outline:none; }
.gallery figure { margin:0; border:1px solid var(--line); border-radius:6px; overflow:hidden;
  background:#fafbfc; }
.gallery img { width:100%; height:auto; display:block; }
.gallery figcaption { padding:5px 8px; font-size:12px; color:var(--muted); }
.gallery figcaption b { color:var(--ink); }
pre.log { background:#fbfbfc; border:1px solid var(--line); border-radius:6px; padding:8px 10px;
  font-size:12px; max-height:320px; overflow:auto; white-space:pre-wrap; }
pre.log .trouble { color:#a4161a; font-weight:600; } pre.log .t { color:#8a939c; }
pre.log .marker { color:var(--bad); font-weight:600; border-bottom:1px dashed var(--bad); }
pre.log .gap { color:#8a939c; font-style:italic; }
pre.log .expected { color:#8d6a00; } pre.log .during { color:#8a939c; font-style:italic; }
.muted { color:var(--muted); } .small { font-size:12px; }
.error-box { border-left:4px solid var(--err); background:#f6f0fb; padding:8px 12px; margin:8px 0;
  white-space:pre-wrap; }
.ok { color:var(--ok); font-weight:600; } .bad { color:var(--bad); font-weight:600; }
.soft { color:#6c757d; font-weight:600; }
.flaky { background:#e9c46a; color:#222; }
table.repeats { margin-bottom:18px; }
form.filter { display:flex; flex-wrap:wrap; gap:8px 14px; align-items:center; margin:0 0 10px; }
form.filter input[type=search] { flex:1 1 260px; padding:5px 8px; border:1px solid var(--line);
  border-radius:6px; font:inherit; }
form.filter select { padding:4px 6px; border:1px solid var(--line); border-radius:6px; font:inherit; }
"""
