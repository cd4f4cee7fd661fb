// The local site of the example agents (and the client tests): a form → a result page with a link → a done page.
// Elements sit at fixed positions so scripted planners (and tests) know where to click.
export const FORM_PAGES: Record<string, string> = {
  '/form': `<!doctype html><html><head><title>Sign up</title><style>
body { margin: 0; font: 24px sans-serif; background: #fff; }
#mark { position: absolute; left: 0; top: 0; width: 40px; height: 40px; background: rgb(255, 0, 0); }
input, button { position: absolute; left: 100px; width: 300px; height: 50px; font: 24px sans-serif; }
#name { top: 100px; } #city { top: 200px; } #go { top: 300px; }
</style></head><body><div id="mark"></div>
<form action="/result" method="get">
<input id="name" name="name" autocomplete="off"><input id="city" name="city" autocomplete="off">
<button id="go" type="submit">Go</button></form></body></html>`,
  '/result': `<!doctype html><html><head><title>Result</title><style>
body { margin: 0; font: 32px sans-serif; background: #fff; }
#mark { position: absolute; left: 0; top: 0; width: 40px; height: 40px; background: rgb(0, 0, 255); }
#out { position: absolute; left: 100px; top: 100px; }
#next { position: absolute; left: 100px; top: 300px; display: block; width: 300px; height: 60px; background: #eee; }
</style></head><body><div id="mark"></div><div id="out"></div><a id="next" href="/done">Continue</a>
<script>const q = new URLSearchParams(location.search);
document.getElementById('out').textContent = 'Hello ' + q.get('name') + ' from ' + q.get('city');
document.getElementById('next').href = '/done?code=' + encodeURIComponent((q.get('name') || '').length * 7);</script>
</body></html>`,
  '/done': `<!doctype html><html><head><title>Done</title><style>
body { margin: 0; font: 48px sans-serif; background: rgb(0, 160, 0); color: #fff; }
#code { position: absolute; left: 100px; top: 100px; }
#swatch { position: absolute; left: 500px; top: 300px; width: 100px; height: 100px; }
</style></head><body><div id="code"></div><div id="swatch"></div>
<script>const code = Number(new URLSearchParams(location.search).get('code'));
document.getElementById('code').textContent = 'CODE ' + code;
// The result as pixels too, for agents that read it from a screenshot: red = code.
document.getElementById('swatch').style.background = 'rgb(' + (code % 256) + ', 100, 200)';</script>
</body></html>`,
};
