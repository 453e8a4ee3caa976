type Child = Node | string | false | null | undefined;
type Props = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/**
 * Creates an element: `on*` props become listeners, `false`/`undefined` props are left out, other props become
 * attributes (so `aria-*`, `data-*` and `for` work as written).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((c): c is Node | string => c !== false && c !== null && c !== undefined));
  return element;
}
