import { append, h } from './dom.ts';

/**
 * The little Markdown CloudWatch text widgets use — headings, bullet lists, paragraphs, `code`,
 * **bold** and [links](…) — turned into elements (never into HTML strings). Anything else stays text.
 */
export function renderMarkdown(markdown: string): HTMLElement {
  const root = h('div', { class: 'markdown' });
  let list: HTMLUListElement | undefined;
  for (const raw of markdown.split('\n')) {
    const line = raw.trimEnd();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    if (bullet) {
      list ??= root.appendChild(h('ul'));
      list.appendChild(inline(h('li'), bullet[1]!));
      continue;
    }
    list = undefined;
    if (heading) root.appendChild(inline(h('p', { class: `md-h${heading[1]!.length}` }), heading[2]!));
    else if (line.trim() !== '') root.appendChild(inline(h('p'), line));
  }
  return root;
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\[[^\]]+\]\([^)\s]+\))/g;

function inline<E extends HTMLElement>(element: E, text: string): E {
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    append(element, text.slice(at, match.index));
    const token = match[0];
    if (match[1]) append(element, h('code', {}, token.slice(1, -1)));
    else if (match[2]) append(element, h('strong', {}, token.slice(2, -2)));
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token)!;
      const href = link[2]!;
      // Links into the AWS console stay links (followed only on a click); nothing else is loaded.
      append(
        element,
        /^https?:\/\//.test(href) ? h('a', { href, rel: 'noreferrer', target: '_blank' }, link[1]) : link[1],
      );
    }
    at = match.index + token.length;
  }
  append(element, text.slice(at));
  return element;
}
