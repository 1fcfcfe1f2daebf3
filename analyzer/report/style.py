"""The report's stylesheet, inlined into report.html (system fonts only: nothing is fetched)."""

CSS = """
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#dde3ea;--bg:#f4f6f9;--card:#fff;--base:#4e79a7;--cur:#f28e2b;
--bad:#c0392b;--badbg:#fdecea;--ok:#1e7d4f;--okbg:#e6f4ec;--warnbg:#fff4e0;--warn:#8a5a00}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Noto Sans","Liberation Sans",sans-serif}
main{max-width:1280px;margin:0 auto;padding:24px 28px 8px}
footer{max-width:1280px;margin:0 auto;padding:8px 28px 28px;color:var(--muted);font-size:12px}
h1{font-size:24px;margin:2px 0 10px;font-weight:650}
h2{font-size:18px;margin:0 0 12px;font-weight:650}
h3{font-size:14px;margin:14px 0 8px;font-weight:650}
.count{display:inline-block;min-width:24px;padding:0 8px;margin-left:6px;border-radius:12px;background:var(--line);
font-size:13px;text-align:center;vertical-align:2px}
header.top{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin-bottom:18px}
.kind{color:var(--muted);text-transform:uppercase;letter-spacing:.06em;font-size:12px;font-weight:600}
.msg{margin:0 0 14px;padding:8px 12px;border-radius:6px;font-weight:550;overflow-wrap:anywhere}
.msg.ok{background:var(--okbg);color:var(--ok)}
.msg.warn{background:var(--warnbg);color:var(--warn)}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{min-width:130px;padding:8px 14px;border:1px solid var(--line);border-radius:8px;background:#fafbfc}
.tile b{display:block;font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}
.tile span{color:var(--muted);font-size:12px}
.tile.bad{border-color:#f0b8b1;background:var(--badbg)}
.tile.bad b{color:var(--bad)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin-bottom:18px}
.none{color:var(--ok);margin:0}
table{border-collapse:collapse}
table.grid{width:100%;font-size:13px}
.grid th,.grid td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top;
overflow-wrap:anywhere}
.grid thead th{white-space:nowrap;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;
border-bottom:2px solid var(--line)}
.grid .n,.stats td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.grid.violations td:nth-child(2){font-weight:600;white-space:nowrap}
.grid.violations tr:hover{background:#fafbfc}
code,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
code{background:#f1f3f6;padding:1px 6px;border-radius:4px;white-space:nowrap}
a{color:#1d5fa8;text-decoration:none}
a:hover{text-decoration:underline}
bdi{unicode-bidi:isolate}
.legend{color:var(--muted);margin:-4px 0 12px}
.key{display:inline-block;width:12px;height:10px;border-radius:2px;margin:0 5px 0 10px;vertical-align:0}
.key.s-base{background:var(--base);opacity:.55}
.key.s-cur{background:var(--cur)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:16px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px 12px;
scroll-margin-top:12px}
.card.violated{border-color:#e8a49b;box-shadow:inset 4px 0 0 var(--bad)}
.card:target{outline:3px solid #9cc3ea}
.head{display:flex;align-items:baseline;gap:10px;justify-content:space-between}
.head h3{margin:0;font-size:15px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.type{flex:none;font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 8px}
.type.changed{color:var(--bad);border-color:#e8a49b;background:var(--badbg)}
.flags{margin-top:6px;display:flex;flex-wrap:wrap;gap:6px}
.flag{font-size:12px;color:var(--bad);background:var(--badbg);border-radius:4px;padding:1px 7px;font-weight:600}
.note{margin:2px 0;color:var(--warn);font-size:12px;overflow-wrap:anywhere}
.nochart{color:var(--muted);margin:16px 0}
.limits{margin:6px 0 0;color:var(--muted);font-size:12px}
svg.chart{display:block;width:100%;height:auto;margin-top:6px}
svg text{font-family:inherit}
.grid line,line.grid{stroke:#e8ecf1;stroke-width:1}
line.axis{stroke:#9aa5b1;stroke-width:1}
line.diag{stroke:#b4bcc6;stroke-width:1;stroke-dasharray:4 4}
text.tick{font-size:10px;fill:var(--muted)}
text.ty,text.cat{text-anchor:end}
text.tx{text-anchor:middle}
text.lg{font-size:11px;fill:var(--ink)}
text.axt{font-size:11px;fill:var(--muted)}
text.cat{font-size:11px;fill:var(--ink)}
text.cat.new{fill:var(--bad);font-weight:600}
text.val{font-size:10px;fill:var(--muted)}
path.area.s-base{fill:var(--base);fill-opacity:.35;stroke:var(--base);stroke-opacity:.6;stroke-width:1}
path.area.s-cur{fill:none;stroke:var(--cur);stroke-width:2;stroke-linejoin:round}
rect.bar.s-base,rect.sw.s-base{fill:var(--base);fill-opacity:.7}
rect.bar.s-cur,rect.sw.s-cur{fill:var(--cur)}
polyline.curve{fill:none;stroke-width:2;stroke-linejoin:round}
polyline.curve.s-base{stroke:var(--base)}
polyline.curve.s-cur{stroke:var(--cur)}
table.stats{width:100%;margin-top:8px;font-size:12.5px}
.stats th,.stats td{padding:2px 8px;border-bottom:1px solid #eef1f4}
.stats thead th{color:var(--muted);font-weight:600;text-align:right}
.stats tbody th{text-align:left;color:var(--muted);font-weight:500}
details.group{margin-bottom:12px}
details.group>summary{cursor:pointer;font-weight:600;padding:8px 12px;background:var(--card);border:1px solid var(--line);
border-radius:8px;margin-bottom:12px}
.quality{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;align-items:start}
.quality h3{margin-top:0}
.metrics tr.violated{background:var(--badbg)}
.metrics tr.violated th{color:var(--bad)}
.metrics tbody th{font-weight:500}
.matrix thead th:not(:first-child){text-align:right}
.matrix td.diag{background:#eef5ee;font-weight:600}
.curves{display:flex;flex-wrap:wrap;gap:24px;margin-top:18px}
figure.curve{margin:0;flex:1 1 360px;max-width:460px}
figure.curve figcaption{font-weight:650;margin-bottom:2px}
.clegend{font-size:12px;color:var(--ink);display:flex;flex-wrap:wrap;gap:2px 10px}
.clegend .key{margin-left:0}
@media (max-width:700px){.quality{grid-template-columns:1fr}.cards{grid-template-columns:1fr}}
"""
