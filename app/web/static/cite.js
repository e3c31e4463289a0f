// The sources panel's js_on_load (Gradio gr.HTML): `element` is the panel, `trigger`
// sends its `cite` event to the server, `watch` reruns on a new value.
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (button) { trigger('cite', {turn: Number(button.dataset.turn), n: Number(button.dataset.cite)}); }
});
// A marker [n] in a reply opens its citation too (the chat's links carry turn and number).
// On a phone (the side panel sits far below the chat) it unfolds the reply's own sources
// and scrolls to the card there instead; "Open in document" on that card opens the file.
const PHONE = window.matchMedia('(max-width: 700px)');
// subtle: by boxes, not offsetTop: inside the chat a <pre> is itself the offset parent
const showQuotes = (box) => box.querySelectorAll('.qa-passage mark').forEach((hit) => {
  const passage = hit.parentElement;
  passage.scrollTop += hit.getBoundingClientRect().top - passage.getBoundingClientRect().top - 16;
});
if (!window.qaMarkerClicks) {
  window.qaMarkerClicks = true;
  // a reply's own sources, unfolded: each passage scrolled to its quote
  document.addEventListener('toggle', (event) => {
    if (event.target.matches && event.target.matches('details.qa-inline') && event.target.open) {
      showQuotes(event.target);
    }
  }, true);
  document.addEventListener('click', (event) => {
    const open = event.target.closest('#chat .qa-inline [data-cite]');
    if (open) {
      event.stopPropagation();
      trigger('cite', {turn: Number(open.dataset.turn), n: Number(open.dataset.cite)});
      return;
    }
    const link = event.target.closest('a.qa-marker');
    const found = link && /#qa-source-(\d+)-(\d+)$/.exec(link.getAttribute('href') || '');
    if (!found) { return; }
    event.preventDefault();
    event.stopPropagation();  // not also a click on the message, which shows its sources
    const folded = link.closest('.qa-msg') && link.closest('.qa-msg').querySelector('details.qa-inline');
    if (PHONE.matches && folded) {
      folded.open = true;
      showQuotes(folded);
      const card = folded.querySelector(`#qa-inline-${found[1]}-${found[2]}`);
      if (card) {
        card.classList.add('qa-card-flash');
        card.setAttribute('tabindex', '-1');
        card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
        card.focus({preventScroll: true});
        setTimeout(() => card.classList.remove('qa-card-flash'), 1600);
      }
      return;
    }
    trigger('cite', {turn: Number(found[1]), n: Number(found[2])});
  }, true);
}
watch('value', () => showQuotes(element));
