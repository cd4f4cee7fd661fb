// Demo page behaviour. Reports its state to the page server (POST /state) so the demo's tests can see what the
// remote Chromium really received.
(function () {
  var state = { page: location.pathname, clicks: 0, panel: 'off', text: '', submitted: '', lastKey: '', beeps: 0, scrollY: 0 };
  var timer = 0;
  function report() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = 0;
      state.scrollY = Math.round(window.scrollY);
      state.rects = rects();
      fetch('/state', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(state) }).catch(function (e) { console.warn('state report failed', e); });
    }, 50);
  }
  function $(id) { return document.getElementById(id); }
  // where the interactive elements are (page pixels, viewport coordinates), for tests driving the page remotely
  function rects() {
    var out = {};
    ['btn', 'text', 'beep', 'link2', 'home', 'panel'].forEach(function (id) {
      var el = $(id);
      if (!el) return;
      var r = el.getBoundingClientRect();
      out[id] = { x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width), h: Math.round(r.height) };
    });
    return out;
  }
  var btn = $('btn');
  if (btn) btn.addEventListener('click', function () {
    state.clicks++;
    state.panel = state.panel === 'off' ? 'on' : 'off';
    $('panel').className = state.panel;
    $('clicks').textContent = state.clicks + (state.clicks === 1 ? ' click' : ' clicks');
    report();
  });
  var text = $('text');
  if (text) text.addEventListener('input', function () { state.text = text.value; $('echo').textContent = text.value; report(); });
  var form = $('form');
  if (form) form.addEventListener('submit', function (e) { e.preventDefault(); state.submitted = text.value; $('submitted').textContent = text.value; report(); });
  document.addEventListener('keydown', function (e) { state.lastKey = e.key; var o = $('lastkey'); if (o) o.textContent = e.key + ' (' + e.code + ')'; report(); });
  var beep = $('beep');
  if (beep) beep.addEventListener('click', function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    var ctx = new Ctx();
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.frequency.value = 440;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 1);
    osc.onended = function () { ctx.close(); };
    state.beeps++;
    report();
  });
  var rows = $('rows');
  if (rows) for (var i = 1; i <= 60; i++) { var li = document.createElement('li'); li.textContent = 'Row ' + i; rows.appendChild(li); }
  window.addEventListener('scroll', report, { passive: true });
  window.addEventListener('resize', report);
  report();
})();
