// Builds DOM nodes from data without ever parsing it as HTML: customer names and every other value that came from
// Kafka are untrusted, so text goes in through text nodes and attributes through setAttribute only.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** append adds children (nodes, strings, numbers, nested arrays; null and false are skipped) as nodes or text. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** h creates an HTML element: h('td', { class: 'num' }, text). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** s creates an SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** replace swaps a node's children for new ones. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}
