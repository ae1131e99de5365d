// Enhancements only: every page works without this script.
(() => {
  // Focus the error summary, so that screen readers announce the problems first.
  const summary = document.querySelector('.error-summary');
  if (summary) summary.focus();

  // Show a document's inputs only when its way of proving identity is chosen.
  const dependents = document.querySelectorAll('[data-shown-when]');
  const update = () => {
    for (const element of dependents) {
      const control = document.getElementById(element.dataset.shownWhen);
      if (!control) continue;
      const group = control.form?.elements.namedItem(control.name);
      const chosen = group && 'value' in group && typeof group.value === 'string' ? group.value : control.value;
      element.hidden = !element.dataset.values.split(' ').includes(chosen);
    }
  };
  if (dependents.length > 0) {
    document.addEventListener('change', update);
    update();
  }

  // Group the digits of tax numbers as they are typed: 123-45-6789, 12-3456789.
  const format = (input) => {
    const digits = input.value.replace(/\D/g, '').slice(0, 9);
    const ein = input.pattern.startsWith('[0-9]{2}');
    input.value = ein
      ? digits.replace(/^(\d{2})(\d)/, '$1-$2')
      : digits.replace(/^(\d{3})(\d)/, '$1-$2').replace(/^(\d{3}-\d{2})(\d)/, '$1-$2');
  };
  document.addEventListener('input', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.inputMode !== 'numeric' || !input.pattern) return;
    if (input.pattern.includes('[0-9]{2}-?[0-9]{7}') || input.pattern.includes('[0-9 -]{9,11}')) format(input);
  });

  // Check a chosen file's size and type before it is sent, and show a preview of a photo.
  const accepted = /^(image\/(jpeg|png|heic|heif|webp|gif|tiff)|application\/pdf)$/;
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file') return;
    const file = input.files?.[0];
    const preview = input.nextElementSibling;
    const field = input.closest('.field');
    const previous = field?.querySelector('.client-error');
    if (previous) {
      const ids = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== previous.id);
      if (ids.length > 0) input.setAttribute('aria-describedby', ids.join(' '));
      else input.removeAttribute('aria-describedby');
      previous.remove();
    }
    if (preview) {
      preview.hidden = true;
      preview.replaceChildren();
    }
    if (!file) return;
    const max = Number(input.dataset.maxBytes);
    let problem = '';
    if (max && file.size > max) problem = input.dataset.tooLarge;
    else if (file.type && !accepted.test(file.type)) problem = input.dataset.wrongType;
    if (problem) {
      const message = document.createElement('p');
      message.className = 'field-error client-error';
      message.id = `${input.id}-client-error`;
      message.textContent = problem;
      input.before(message);
      input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') ?? ''} ${message.id}`.trim());
      input.value = '';
      input.focus();
      return;
    }
    if (preview && file.type.startsWith('image/') && !/hei[cf]|tiff/.test(file.type)) {
      const image = document.createElement('img');
      image.alt = file.name;
      image.src = URL.createObjectURL(file);
      preview.append(image);
      preview.hidden = false;
    }
  });
})();
