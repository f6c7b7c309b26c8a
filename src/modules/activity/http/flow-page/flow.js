// The live flow page: plain JS, no build step. Draws modules as lanes, events moving between
// them (Server-Sent Events from /flow/events), per-module figures (/flow/stats) and an order's
// timeline as a sequence diagram (/orders/:id/timeline). Shows ids, types and times only.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const LOG_LIMIT = 200;
const HOP_MS = 1200;
const state = { lanes: [], consumersOf: new Map(), laneX: new Map(), row: 0 };

const el = (name, attrs = {}, text) => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
};
const clock = (iso) => (iso ? new Date(iso).toISOString().slice(11, 23) : '');

async function start() {
  const map = await (await fetch('/flow/map')).json();
  state.lanes = map.lanes;
  for (const e of map.events) state.consumersOf.set(e.type, e.consumers);
  drawLanes();
  refreshFigures();
  setInterval(refreshFigures, 2000);
  listen();
  document.getElementById('search').addEventListener('submit', (event) => {
    event.preventDefault();
    showTimeline(document.getElementById('order-id').value.trim());
  });
  const wanted = new URLSearchParams(location.search).get('order');
  if (wanted) {
    document.getElementById('order-id').value = wanted;
    showTimeline(wanted);
  }
}

function drawLanes() {
  const svg = document.getElementById('lanes-svg');
  const width = svg.clientWidth || 800;
  const step = width / state.lanes.length;
  svg.replaceChildren();
  state.lanes.forEach((lane, i) => {
    const x = step * i + step / 2;
    state.laneX.set(lane, x);
    svg.append(el('line', { x1: x, y1: 58, x2: x, y2: 315, class: 'lifeline' }));
    svg.append(el('text', { x, y: 18, 'text-anchor': 'middle', class: 'lane-head', 'data-lane': lane }, lane));
    svg.append(el('text', { x, y: 34, 'text-anchor': 'middle', class: 'figure', id: `lag-${lane}` }, 'outbox lag –'));
    svg.append(el('text', { x, y: 48, 'text-anchor': 'middle', class: 'figure', id: `dead-${lane}` }, 'dead letters –'));
  });
}

async function refreshFigures() {
  try {
    const { modules } = await (await fetch('/flow/stats')).json();
    for (const m of modules) {
      const lag = document.getElementById(`lag-${m.module}`);
      const dead = document.getElementById(`dead-${m.module}`);
      if (lag) lag.textContent = `outbox lag ${m.outboxLag ?? '–'}`;
      if (dead) {
        dead.textContent = `dead letters ${m.deadLetters ?? '–'}`;
        dead.setAttribute('class', m.deadLetters ? 'figure bad' : 'figure');
      }
    }
  } catch {
    /* the next round tries again */
  }
}

function listen() {
  const status = document.getElementById('status');
  const source = new EventSource('/flow/events');
  source.onopen = () => {
    status.textContent = 'live';
    status.className = 'live';
  };
  source.onerror = () => {
    status.textContent = 'reconnecting…';
    status.className = '';
  };
  source.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.kind === 'event') onEvent(data);
  };
}

function onEvent(e) {
  const log = document.getElementById('log');
  const li = document.createElement('li');
  li.dataset.type = e.type;
  li.dataset.producer = e.producer;
  li.dataset.order = e.order ?? '';
  const consumers = e.consumers.length ? e.consumers.join(', ') : 'no reader';
  li.innerHTML = `<span class="when"></span> <span class="type"></span> <span class="who"></span>`;
  li.querySelector('.when').textContent = clock(e.occurredAt);
  li.querySelector('.type').textContent = e.type + (e.version ? ` v${e.version}` : '');
  li.querySelector('.who').textContent = `${e.producer} → ${consumers} · order #${e.order ? e.order.slice(0, 8) : '–'}`;
  li.title = `event ${e.id}`;
  log.prepend(li);
  while (log.children.length > LOG_LIMIT) log.lastChild.remove();
  for (const consumer of e.consumers) hop(e, consumer);
}

/** A dot from the producer's lane to a consumer's, labelled with the type. */
function hop(e, consumer) {
  const svg = document.getElementById('lanes-svg');
  const from = state.laneX.get(e.producer);
  const to = state.laneX.get(consumer);
  if (from === undefined || to === undefined) return;
  const y = 75 + (state.row++ % 12) * 20;
  const group = el('g', { class: 'hop', 'data-type': e.type, 'data-consumer': consumer });
  const dot = el('circle', { cx: from, cy: y, r: 6, fill: '#2f6fed' });
  const label = el('text', { x: from, y: y - 8, 'font-size': 10, 'text-anchor': 'middle' }, e.type.split('.')[1]);
  group.append(dot, label);
  svg.append(group);
  const began = performance.now();
  const frame = (now) => {
    const t = Math.min(1, (now - began) / HOP_MS);
    const x = from + (to - from) * t;
    dot.setAttribute('cx', x);
    label.setAttribute('x', x);
    if (t < 1) requestAnimationFrame(frame);
    else setTimeout(() => group.remove(), 4000);
  };
  requestAnimationFrame(frame);
}

async function showTimeline(orderId) {
  const note = document.getElementById('timeline-note');
  const svg = document.getElementById('sequence');
  svg.replaceChildren();
  svg.setAttribute('height', '0');
  const answer = await fetch(`/orders/${encodeURIComponent(orderId)}/timeline`);
  if (answer.status === 400) return void (note.textContent = 'That is not an order id (a UUID).');
  if (answer.status === 404) return void (note.textContent = `No event of order ${orderId} was seen.`);
  if (!answer.ok) return void (note.textContent = `The timeline did not answer (${answer.status}).`);
  const { events } = await answer.json();
  note.textContent = `${events.length} events of order ${orderId}, in causal order.`;
  drawSequence(svg, events);
}

function drawSequence(svg, events) {
  const width = svg.clientWidth || 900;
  const lanes = [...state.lanes];
  for (const e of events) if (!lanes.includes(e.producer)) lanes.push(e.producer);
  const step = width / lanes.length;
  const x = (lane) => step * lanes.indexOf(lane) + step / 2;
  const rows = events.flatMap((e) => {
    const seen = new Map(e.consumers.map((c) => [c.consumer, c]));
    const readers = [...new Set([...(state.consumersOf.get(e.type) ?? []), ...seen.keys()])];
    return readers.length ? readers.map((r) => ({ e, to: r, seen: seen.get(r) })) : [{ e, to: e.producer, seen: undefined }];
  });
  const height = 50 + rows.length * 34;
  svg.setAttribute('height', height);
  svg.setAttribute('data-events', events.length);
  const defs = el('defs');
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#6b7385' }));
  defs.append(marker);
  svg.append(defs);
  lanes.forEach((lane) => {
    svg.append(el('text', { x: x(lane), y: 16, 'text-anchor': 'middle', class: 'lane-head' }, lane));
    svg.append(el('line', { x1: x(lane), y1: 24, x2: x(lane), y2: height, class: 'lifeline' }));
  });
  rows.forEach(({ e, to, seen }, i) => {
    const y = 48 + i * 34;
    const kind = seen ? (seen.outcome === 'dead-lettered' ? 'message dead' : 'message') : 'message expected';
    const group = el('g', { class: kind, 'data-type': e.type, 'data-from': e.producer, 'data-to': to, 'data-event': e.id });
    const x1 = x(e.producer);
    const x2 = to === e.producer ? x1 + 40 : x(to);
    group.append(el('line', { x1, y1: y, x2, y2: y, 'marker-end': 'url(#arrow)' }));
    const mid = (x1 + x2) / 2;
    const what = `${e.type}${e.version ? ` v${e.version}` : ''}${seen?.outcome === 'dead-lettered' ? ' (dead letter)' : ''}`;
    group.append(el('text', { x: mid, y: y - 6, 'text-anchor': 'middle' }, what));
    group.append(el('text', { x: mid, y: y + 13, 'text-anchor': 'middle', class: 'when' }, clock(e.occurredAt) + (seen?.at ? ` → ${clock(seen.at)}` : '')));
    svg.append(group);
  });
}

start().catch((error) => {
  document.getElementById('status').textContent = `could not start: ${error.message}`;
});
