// Small DOM helpers shared by the playground page and the code-challenge widget.

//: Fill ``{name}`` marks in a translated text from ``values`` (unknown marks stay as written).
export function format(text, values) {
  return (text || "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

//: Make an element: ``class`` and ``text`` props set className and textContent, others are attributes.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}
