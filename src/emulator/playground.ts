import { EMULATOR_USERS } from './state.js';

/**
 * The local playground: the emulator's channels and the bot's Block Kit messages rendered readably, a slash-command
 * box, clickable buttons (with their confirm dialogs), and a switch to act as different users (two-person rule).
 * One static page that polls the emulator's own records; every action goes through the real, signed path.
 */
export function playgroundHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kdr playground</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh;color:#1d1c1d}
nav{width:210px;background:#3f0e40;color:#fff;padding:12px;box-sizing:border-box;overflow:auto}
nav h1{font-size:16px;margin:0 0 12px} nav button{display:block;width:100%;text-align:left;background:none;border:0;color:#ddd;padding:4px 6px;cursor:pointer;font-size:14px}
nav button.on{background:#1164a3;color:#fff;border-radius:4px} nav select{width:100%} nav label{display:block;margin:14px 0 4px;font-size:12px;color:#ccc}
main{flex:1;display:flex;flex-direction:column} #log{flex:1;overflow:auto;padding:12px 18px}
.msg{border-bottom:1px solid #eee;padding:8px 0} .who{font-weight:700;font-size:13px;color:#555} .eph{background:#fff8e1}
pre{background:#f6f6f6;border:1px solid #e3e3e3;padding:6px;overflow:auto;font-size:12px;margin:4px 0}
.ctx{color:#616061;font-size:12px} .actions button{margin:4px 6px 0 0;padding:4px 12px;border-radius:4px;border:1px solid #bbb;background:#fff;cursor:pointer}
.actions .primary{background:#007a5a;color:#fff;border-color:#007a5a} .actions .danger{color:#e01e5a;border-color:#e01e5a}
.sec{white-space:pre-wrap} .thread{margin-left:24px;border-left:3px solid #ddd;padding-left:8px;font-size:12px;color:#444}
form{display:flex;padding:10px;border-top:1px solid #ddd} form input{flex:1;padding:8px;font-size:14px} form button{margin-left:8px}
</style></head><body>
<nav><h1>kdr playground</h1><div id="channels"></div>
<label for="user">acting as</label><select id="user">${Object.entries(EMULATOR_USERS)
    .map(([id, name]) => `<option value="${id}">${name} (${id})</option>`)
    .join('')}</select></nav>
<main><div id="log"></div>
<form id="slash"><input id="text" placeholder="/kdr status" autocomplete="off"><button>Send</button></form></main>
<script>
const $ = (id) => document.getElementById(id);
// the channel typed into: ?channel=C… (default the sandbox's ops channel)
let channel = new URLSearchParams(location.search).get('channel') || 'C0KDROPS';
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const EMOJI = { white_check_mark: '\u2705', x: '\u274c', hourglass_flowing_sand: '\u23f3', gear: '\u2699\ufe0f', white_circle: '\u26aa', fast_forward: '\u23e9', leftwards_arrow_with_hook: '\u21a9\ufe0f', raising_hand: '\ud83d\ude4b', rotating_light: '\ud83d\udea8', warning: '\u26a0\ufe0f', scroll: '\ud83d\udcdc' };
const mrkdwn = (t) => esc(t).replace(/:([a-z_]+):/g, (m, n) => EMOJI[n] ?? m).replace(/\`\`\`([\\s\\S]*?)\`\`\`/g, '<pre>$1</pre>').replace(/\\*([^*\\n]+)\\*/g, '<b>$1</b>')
  .replace(/\`([^\`\\n]+)\`/g, '<code>$1</code>').replace(/&lt;@(\\w+)&gt;/g, '@$1').replace(/&lt;!date\\^\\d+\\^[^|]*\\|([^&]*)&gt;/g, '$1');
function block(b, m) {
  if (b.type === 'section' || b.type === 'header') return '<div class="sec">' + mrkdwn(b.text?.text) + '</div>';
  if (b.type === 'context') return '<div class="ctx">' + b.elements.map((e) => mrkdwn(e.text)).join(' ') + '</div>';
  if (b.type === 'actions') return '<div class="actions">' + b.elements.map((e, i) =>
    '<button class="' + esc(e.style) + '" data-ts="' + m.ts + '" data-i="' + i + '" data-b="' + esc(b.block_id) + '">' + esc(e.text.text) + '</button>').join('') + '</div>';
  return '<pre>' + esc(JSON.stringify(b)) + '</pre>';
}
let messages = [];
async function refresh() {
  messages = await (await fetch('/_emulator/messages')).json();
  const me = $('user').value;
  const names = [...new Set([channel, 'C0KDROPS', ...messages.map((m) => m.channel)])];
  $('channels').innerHTML = names.map((c) => '<button class="' + (c === channel ? 'on' : '') + '" data-c="' + esc(c) + '"># ' + esc(c) + '</button>').join('');
  const mine = messages.filter((m) => m.channel === channel && !m.threadTs && (!m.ephemeralTo || m.ephemeralTo === me));
  $('log').innerHTML = mine.map((m) => '<div class="msg' + (m.ephemeralTo ? ' eph' : '') + '" data-ts="' + m.ts + '"><div class="who">kdr' +
    (m.ephemeralTo ? ' (only visible to you)' : '') + '</div>' + (m.blocks?.length ? m.blocks.map((b) => block(b, m)).join('') : mrkdwn(m.text)) +
    messages.filter((t) => t.threadTs === m.ts).map((t) => '<div class="thread">' + mrkdwn(t.text) + '</div>').join('') + '</div>').join('');
}
$('channels').onclick = (e) => { if (e.target.dataset.c) { channel = e.target.dataset.c; refresh(); } };
$('user').onchange = refresh;
$('log').onclick = async (e) => {
  const d = e.target.dataset; if (d.i === undefined) return;
  const m = messages.find((x) => x.ts === d.ts && x.channel === channel);
  const el = m.blocks.find((b) => b.block_id === d.b).elements[Number(d.i)];
  if (el.confirm && !confirm(el.confirm.title.text + '\\n\\n' + el.confirm.text.text)) return;
  await fetch('/_emulator/click', { method: 'POST', body: JSON.stringify({ user: $('user').value, channel, ts: d.ts, actionId: el.action_id, value: el.value }) });
  setTimeout(refresh, 300);
};
$('slash').onsubmit = async (e) => {
  e.preventDefault();
  const text = $('text').value.replace(/^\\/kdr\\s*/, ''); $('text').value = '';
  const r = await (await fetch('/_emulator/slash', { method: 'POST', body: JSON.stringify({ text, user: $('user').value, channel }) })).json();
  const ack = JSON.parse(r.body || '{}').text;
  if (ack) messages.push({ channel, ts: 'ack', text: ack, ephemeralTo: $('user').value });
  setTimeout(refresh, 300);
};
refresh(); setInterval(refresh, 1000);
</script></body></html>`;
}
