// The example questions' js_on_load (Gradio gr.HTML): `element` is that block, and
// `trigger('ask', {question})` asks a question at once. The listeners are on the document,
// so they serve the buttons inside the chat's replies too (render.py builds them):
// - a suggested or example question (.qa-suggest) is sent as it is clicked;
// - Copy (.qa-copy) puts the reply's plain text with its sources (.qa-plain) on the clipboard;
// - each chat message gets a short accessible name from its text (Gradio names it by its HTML).
// Nothing here talks to anything but this app.
if (!window.qaChatButtons) {
  window.qaChatButtons = true;
  document.addEventListener('click', (event) => {
    const ask = event.target.closest('button.qa-suggest');
    const copy = event.target.closest('button.qa-copy');
    if (!ask && !copy) { return; }
    event.stopPropagation();  // not also a click on the message, which shows its sources
    if (ask) {
      trigger('ask', {question: ask.textContent.trim()});
      return;
    }
    const message = copy.closest('.qa-msg');
    const plain = message && message.querySelector('.qa-plain');
    qaCopy(plain ? plain.textContent : (message ? message.innerText : '')).then((done) => {
      copy.textContent = done ? 'Copied' : 'Copy failed';
      window.qaLastCopy = done ? (plain ? plain.textContent : '') : null;
      setTimeout(() => { copy.textContent = 'Copy'; }, 2000);
    });
  }, true);
}

async function qaCopy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {  // an older browser, or no clipboard permission: the old way
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  }
}

// Gradio names each message "bot's message: <its HTML>"; name it by its words instead.
const qaName = () => {
  document.querySelectorAll('#chat [data-testid="bot"], #chat [data-testid="user"]').forEach((node, i) => {
    const reply = node.dataset.testid === 'bot';
    const label = node.querySelector('.qa-label');
    const words = (node.querySelector('.qa-body, p') || node).innerText.replace(/\s+/g, ' ').trim();
    const start = words.length > 80 ? words.slice(0, 80).replace(/\s\S*$/, '') + '…' : words;
    const name = reply ? `Reply: ${label ? label.innerText + '. ' : ''}${start}` : `Your question: ${start}`;
    if (node.getAttribute('aria-label') !== name) { node.setAttribute('aria-label', name); }
    if (node.getAttribute('role') !== 'article') { node.setAttribute('role', 'article'); }
  });
};
if (!window.qaNamer) {
  window.qaNamer = new MutationObserver(() => qaName());
  window.qaNamer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                         attributeFilter: ['aria-label']});
  qaName();
}
