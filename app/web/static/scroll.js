// The document viewer's js_on_load (Gradio gr.HTML): scroll the highlighted quote into view
// whenever the viewer gets a new document.
const show = () => {
  const hit = element.querySelector('mark.qa-hit');
  if (hit) { hit.scrollIntoView({block: 'center', behavior: 'instant'}); }
};
watch('value', show);
show();
