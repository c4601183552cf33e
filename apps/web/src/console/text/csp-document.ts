/**
 * xterm.js lays itself out with `<style>` elements it fills with text, which the gateway's Content Security Policy
 * (`style-src 'self'`) blocks. Given this document (xterm's `documentOverride`) instead of the page's, xterm gets, for
 * each `<style>` its renderer makes, an inert element whose text becomes a constructed stylesheet adopted by the page:
 * no inline style is parsed, so the policy stays strict. (Cells in 24-bit colour, and the cells of a selection, are
 * also given `style` attributes, on elements xterm makes with the page's own document: the policy blocks those. A
 * selection still shows, drawn by its own layer; 24-bit colours show as the default colour.)
 */
export function cspSafeDocument(doc: Document): Document {
  return new Proxy(doc, {
    get(target, property) {
      if (property === 'createElement') return (tag: string) => createElement(target, tag);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const createElement = (doc: Document, tag: string): HTMLElement =>
  tag === 'style' ? adoptedStyle(doc) : doc.createElement(tag);

/** A `<template>` (never rendered) standing for a `<style>`: its text is a stylesheet the page adopts until removal. */
function adoptedStyle(doc: Document): HTMLElement {
  const element = doc.createElement('template');
  const sheet = new CSSStyleSheet();
  let text = '';
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  Object.defineProperty(element, 'textContent', {
    get: () => text,
    set: (value: string | null) => {
      text = value ?? '';
      sheet.replaceSync(text);
    },
  });
  element.remove = () => {
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet);
    Element.prototype.remove.call(element);
  };
  return element;
}

/**
 * Runs `open` (xterm's `Terminal.open`) with the page's document making adopted stylesheets for `<style>` too: the
 * scrollbar's style element is made there with the page's document, whatever `documentOverride` says.
 */
export function openWithAdoptedStyles(doc: Document, open: () => void): void {
  const own = Object.getOwnPropertyDescriptor(doc, 'createElement');
  const original = doc.createElement.bind(doc);
  Object.defineProperty(doc, 'createElement', {
    configurable: true,
    value: (tag: string, options?: ElementCreationOptions) =>
      tag === 'style' ? adoptedStyle(doc) : original(tag, options),
  });
  try {
    open();
  } finally {
    if (own) Object.defineProperty(doc, 'createElement', own);
    else delete (doc as { createElement?: unknown }).createElement;
  }
}
