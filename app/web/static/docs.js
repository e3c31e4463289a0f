// The documents list's js_on_load (Gradio gr.HTML): a file name opens the document
// (`open_doc`); Delete asks first, then sends `remove_doc`. Both carry the file's path.
element.addEventListener('click', (event) => {
  const open = event.target.closest('[data-open]');
  if (open) {
    trigger('open_doc', {source: open.dataset.open});
    return;
  }
  const remove = event.target.closest('[data-delete]');
  if (remove && window.confirm('Delete ' + remove.dataset.delete + ' from the corpus folder ' +
                               'and the index? This cannot be undone.')) {
    remove.disabled = true;
    remove.textContent = 'Deleting…';
    trigger('remove_doc', {source: remove.dataset.delete});
  }
});
