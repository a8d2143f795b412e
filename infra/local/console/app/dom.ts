/** A small element builder: the console makes its DOM from data, never from HTML strings. */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The element with this id (the page's skeleton is index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

export const formatNumber = (value: number): string => value.toLocaleString('en-US');

export const formatTime = (iso: string | number): string =>
  new Date(iso).toLocaleTimeString('en-GB', { hour12: false });

export const formatDateTime = (iso: string): string => {
  const date = new Date(iso);
  return `${date.toLocaleDateString('en-CA')} ${formatTime(iso)}`;
};

/** Sets a status line for screen readers and eyes; errors stay on the page, not in the console. */
export function say(text: string, isError = false): void {
  const status = byId('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}
