// The conversations kept in this browser: js_on_load of the #conversations panel (gr.HTML).
// The server sends the current conversation's record as this panel's value after every
// reply (app/web/conversation.py builds it: each turn's answer, plain text, Markdown and
// evaluation case); it is kept in localStorage, never on the server. This tab's own
// conversation id lives in sessionStorage, so a reload reopens it (`trigger('restore')`)
// while another tab starts afresh. The list reopens, renames, deletes and exports
// (Markdown with sources, or the evaluator's JSONL cases) with files made here, in the page.
const KEY = 'qa-conversations';
const CURRENT = 'qa-current';
const MAX_KEPT = 50;  // conversations; the oldest go first when there are more

const readAll = () => {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (error) { return {}; }
};
const writeAll = (all) => {
  const ids = Object.keys(all).sort((a, b) => all[b].updated - all[a].updated);
  ids.slice(MAX_KEPT).forEach((id) => { delete all[id]; });
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
    return true;
  } catch (error) {  // storage full or refused: the chat goes on, unsaved
    return false;
  }
};
const titleOf = (record) => {
  const first = record.turns.map((t) => t.answer.question).find((q) => q) || 'Conversation';
  return first.length > 70 ? first.slice(0, 70).replace(/\s\S*$/, '') + '…' : first;
};
const slug = (text) => (text.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, '-')
  .replace(/^-+|-+$/g, '').slice(0, 50) || 'conversation');

let status = '';
function keep(record) {
  if (!record || !Array.isArray(record.turns)) { return; }
  if (!record.turns.length) {  // a new conversation: the next reply starts a new entry
    sessionStorage.removeItem(CURRENT);
    draw();
    return;
  }
  const all = readAll();
  let id = sessionStorage.getItem(CURRENT);
  if (!id || !all[id]) {
    id = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
    all[id] = {id, title: titleOf(record), created: Date.now()};
    sessionStorage.setItem(CURRENT, id);
  }
  all[id].turns = record.turns;
  all[id].updated = Date.now();
  status = writeAll(all) ? '' : 'This browser has no room left to keep conversations.';
  draw();
}

function reopen(id) {
  const saved = readAll()[id];
  if (!saved) { return; }
  sessionStorage.setItem(CURRENT, id);
  trigger('restore', {record: {turns: saved.turns.map((t) => ({answer: t.answer}))}});
  draw();
}

function download(name, type, text) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], {type}));
  link.download = name;
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}

function exportAs(id, kind) {
  const saved = readAll()[id];
  if (!saved) { return; }
  const name = slug(saved.title);
  if (kind === 'md') {
    const when = new Date(saved.updated).toISOString().slice(0, 16).replace('T', ' ');
    const body = saved.turns.map((t) => t.markdown).join('\n\n---\n\n');
    download(`${name}.md`, 'text/markdown', `# ${saved.title}\n\n_Saved ${when} UTC._\n\n${body}\n`);
  } else {
    const lines = saved.turns.filter((t) => t.case)
      .map((t) => JSON.stringify({...t.case, id: `${name}-${t.case.id}`}));
    download(`${name}.jsonl`, 'application/jsonl', lines.join('\n') + '\n');
  }
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (label) { b.setAttribute('aria-label', label); }
  b.addEventListener('click', onClick);
  return b;
}

function rename(item, saved) {
  const input = document.createElement('input');
  input.value = saved.title;
  input.className = 'qa-conv-name';
  input.setAttribute('aria-label', 'New name for this conversation');
  const done = (save) => {
    const all = readAll();
    if (save && input.value.trim() && all[saved.id]) {
      all[saved.id].title = input.value.trim().slice(0, 120);
      writeAll(all);
    }
    draw();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); done(true); }
    if (e.key === 'Escape') { done(false); }
  });
  input.addEventListener('blur', () => done(true));
  item.querySelector('.qa-conv-open').replaceWith(input);
  input.focus();
  input.select();
}

function draw() {
  const box = element.querySelector('.qa-convs') || element;
  const all = readAll();
  const current = sessionStorage.getItem(CURRENT);
  const ids = Object.keys(all).sort((a, b) => all[b].updated - all[a].updated);
  box.replaceChildren();
  const head = document.createElement('h2');
  head.textContent = 'Your conversations';
  const note = document.createElement('p');
  note.className = 'qa-convs-note';
  note.textContent = status || (ids.length ? 'Kept in this browser only.'
    : 'Your conversations will be kept here, in this browser only.');
  box.append(head, note);
  if (!ids.length) { return; }
  const list = document.createElement('ul');
  ids.forEach((id) => {
    const saved = all[id];
    const item = document.createElement('li');
    item.className = 'qa-conv' + (id === current ? ' qa-conv-current' : '');
    const open = button(saved.title, null, () => reopen(id));
    open.className = 'qa-conv-open';
    if (id === current) { open.setAttribute('aria-current', 'true'); }
    const when = document.createElement('span');
    when.className = 'qa-conv-when';
    const turns = saved.turns.length;
    when.textContent = `${turns} ${turns === 1 ? 'question' : 'questions'} · ` +
      new Date(saved.updated).toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'});
    const actions = document.createElement('span');
    actions.className = 'qa-conv-actions';
    const remove = button('Delete', `Delete “${saved.title}”`, () => {
      if (remove.dataset.sure !== 'yes') {  // a second click deletes
        remove.dataset.sure = 'yes';
        remove.textContent = 'Really delete?';
        remove.setAttribute('aria-label', `Really delete “${saved.title}”?`);
        return;
      }
      const rest = readAll();
      delete rest[id];
      writeAll(rest);
      if (id === sessionStorage.getItem(CURRENT)) {
        sessionStorage.removeItem(CURRENT);
        const fresh = document.querySelector('#new');
        if (fresh) { fresh.click(); }
      }
      draw();
    });
    actions.append(
      button('Rename', `Rename “${saved.title}”`, () => rename(item, saved)),
      button('Markdown', `Export “${saved.title}” as Markdown`, () => exportAs(id, 'md')),
      button('Cases', `Export “${saved.title}” as evaluation cases (JSONL)`, () => exportAs(id, 'jsonl')),
      remove);
    item.append(open, when, actions);
    list.append(item);
  });
  box.append(list);
}

watch('value', () => keep(props.value));
draw();
// a reload: reopen this tab's conversation
const mine = sessionStorage.getItem(CURRENT);
if (mine && readAll()[mine]) { setTimeout(() => reopen(mine), 0); }
