import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { z } from 'zod';
import { UNSEEN_RULES } from '../../contracts/contract-json-schema';
import { defineContract } from '../../contracts/event-contract';
import { MessagingNames } from '../messaging/naming';
import { asyncApiDocument } from './asyncapi-document';
import { eventMap } from './event-map';

describe('asyncApiDocument', () => {
  it('given a contract with a refine(), a pipe and a transform, then its fingerprint rides the schema and the parser reports no error', async () => {
    const RefinedV1 = defineContract(
      'alpha.Refined',
      1,
      z.object({ n: z.number().int().refine((n) => n % 2 === 0), s: z.string().pipe(z.uuid()), t: z.string().transform((v) => v.trim()) }).strict(),
    );
    const doc = asyncApiDocument(eventMap([RefinedV1], [{ type: 'alpha.Refined', consumer: 'beta' }]), new MessagingNames('ns'));
    const properties = (doc.components as any).messages.alpha_Refined_v1.payload.properties.payload.properties;
    for (const field of ['n', 's', 't']) expect(properties[field][UNSEEN_RULES]).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]);
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)).toEqual([]);
  });
});
