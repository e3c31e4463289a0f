// The Documents tab's viewer js_on_load (Gradio gr.HTML): bring a newly opened document
// into view, below a long list.
watch('value', () => {
  if (element.textContent.trim()) { element.scrollIntoView({block: 'start', behavior: 'instant'}); }
});
