import { AsyncApiDocument } from './asyncapi-document';

type Node = Record<string, any>;

/**
 * The AsyncAPI document as one self-contained HTML page (no script, no CDN): a table of channels
 * with producer, consumers and versions, then each version's payload schema.
 */
export function asyncApiPage(doc: AsyncApiDocument): string {
  const channels = Object.entries((doc.channels ?? {}) as Node);
  const operations = Object.values((doc.operations ?? {}) as Node);
  const components = ((doc.components as Node)?.messages ?? {}) as Node;
  const resolve = (ref: string) => components[ref.slice(ref.lastIndexOf('/') + 1)] as Node;
  const modulesOf = (id: string, action: string) =>
    operations.filter((o) => o.action === action && o.channel.$ref === `#/channels/${id}`).map((o) => o.tags?.[0]?.name as string);

  const rows = channels.map(([id, channel]) => {
    const versions = Object.values(channel.messages as Node).map((m) => resolve(m.$ref)['x-contract-version']);
    return `<tr><td><a href="#${esc(id)}"><code>${esc(channel.address)}</code></a></td><td>${esc(channel['x-stream'])}</td><td>${esc(modulesOf(id, 'send').join(', '))}</td><td>${esc(modulesOf(id, 'receive').join(', ') || '–')}</td><td>${esc(versions.join(', '))}</td></tr>`;
  });
  const sections = channels.map(([id, channel]) => {
    const versions = Object.values(channel.messages as Node).map((m) => {
      const message = resolve(m.$ref);
      return `<h3>${esc(message.title)}</h3><pre>${esc(JSON.stringify(message.payload?.properties?.payload ?? {}, null, 2))}</pre>`;
    });
    return `<section id="${esc(id)}"><h2><code>${esc(channel.address)}</code></h2><p>${esc(channel.description ?? '')}</p>${versions.join('')}</section>`;
  });
  const info = doc.info as Node;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}: AsyncAPI ${esc(doc.asyncapi)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}pre{background:#f5f5f5;padding:.6rem;overflow:auto;font-size:13px}</style>
</head><body>
<h1>${esc(info.title)}</h1><p>${esc(info.description ?? '')}</p>
<p>AsyncAPI ${esc(doc.asyncapi)}: <a href="/asyncapi.json">/asyncapi.json</a>. The HTTP API: <a href="/docs">/docs</a>.</p>
<table><thead><tr><th>Channel (subject)</th><th>Stream</th><th>Producer</th><th>Consumers</th><th>Versions</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${sections.join('\n')}
</body></html>
`;
}

const esc = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
