// Negative controls of the chaos suite: a preload (NODE_OPTIONS=--require) that puts one known bug
// into the built app (dist/) in memory, chosen by CHAOS_INJECT. The product's files are untouched.
// The checker must catch each of them; see test/chaos/known-bugs.ts.
/* global require, __dirname, process, console */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const { resolve } = require('node:path');

const dist = (file) => require(resolve(__dirname, '../../../dist', file));
const bug = process.env.CHAOS_INJECT;

if (bug === 'skip-inbox') {
  // Every delivery looks new: the effect runs again on each redelivery. (No inbox row sent ahead of
  // the handler either: the dispatcher then records the plain way, which now records nothing.)
  const { Inbox } = dist('platform/inbox/inbox.js');
  Inbox.prototype.recordAhead = () => undefined;
  Inbox.prototype.record = async () => true;
} else if (bug === 'ack-before-commit') {
  // Ack first, then handle; the later ack/nak of the real code goes nowhere.
  const proto = dist('platform/messaging/jetstream.server.js').JetStreamServer.prototype;
  const original = proto.process;
  proto.process = function (consumer, msg) {
    msg.ack();
    const acked = Object.create(msg, { ack: { value: () => undefined }, nak: { value: () => undefined } });
    return original.call(this, consumer, acked);
  };
} else if (bug === 'mark-before-puback') {
  // Mark the batch published and commit, then publish: a publish that fails is never retried.
  dist('platform/outbox/relay-round.js').RelayRound.prototype.start = async function () {
    const batch = await this.claims.claim(this.options.batchSize);
    if (!batch) return { claimed: 0, settled: Promise.resolve() };
    await batch.commit(batch.rows.map((row) => row.id));
    const settled = Promise.all(batch.rows.map((row) => this.publisher.publish(row))).then((outcomes) => {
      if (outcomes.some((o) => o.kind !== 'ack' && o.kind !== 'duplicate')) throw new Error('publish failed after the rows were marked published');
    });
    return { claimed: batch.rows.length, settled };
  };
} else if (bug) {
  throw new Error(`CHAOS_INJECT=${bug}: unknown bug`);
}
if (bug) console.error(`[chaos] known bug injected: ${bug}`);
