// The sources panel's js_on_load (Gradio gr.HTML): `element` is the panel, `trigger`
// sends its `cite` event to the server, `watch` reruns on a new value.
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (button) { trigger('cite', {turn: Number(button.dataset.turn), n: Number(button.dataset.cite)}); }
});
// a marker [n] in a reply opens its citation too (the chat's links carry turn and number)
if (!window.qaMarkerClicks) {
  window.qaMarkerClicks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.qa-marker');
    const found = link && /#qa-source-(\d+)-(\d+)$/.exec(link.getAttribute('href') || '');
    if (found) {
      event.preventDefault();
      event.stopPropagation();  // not also a click on the message, which shows its sources
      trigger('cite', {turn: Number(found[1]), n: Number(found[2])});
    }
  }, true);
}
const reveal = () => element.querySelectorAll('.qa-passage mark').forEach((hit) => {
  hit.parentElement.scrollTop = hit.offsetTop - hit.parentElement.offsetTop - 16;
});
watch('value', reveal);
