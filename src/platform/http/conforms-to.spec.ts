import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsOptional, validate } from 'class-validator';
import { z } from 'zod';
import { ConformsTo } from './conforms-to';

class Signup {
  @ConformsTo(z.email())
  email!: string;

  @IsOptional()
  @ConformsTo(z.number().int().max(10))
  seats?: number;

  @IsOptional()
  @ConformsTo(z.string().regex(/^[a-z]+$/), { message: 'nickname must be lowercase letters' })
  nickname?: string;
}

const errorsOf = async (body: object) =>
  (await validate(plainToInstance(Signup, body))).flatMap((e) => Object.values(e.constraints ?? {}));

describe('ConformsTo (a zod schema as a class-validator rule)', () => {
  it('accepts what the schema accepts', async () => {
    expect(await errorsOf({ email: 'ada@example.com', seats: 10, nickname: 'ada' })).toEqual([]);
  });

  it.each(['jörg@example.de', '"john doe"@x.com', 'not-an-email', 42])('refuses %j as the schema does, naming the property', async (email) => {
    expect(z.email().safeParse(email).success).toBe(false);
    const errors = await errorsOf({ email });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^email: /);
  });

  it('a missing required property is refused', async () => {
    expect(await errorsOf({})).toEqual([expect.stringMatching(/^email: .*expected string/i)]);
  });

  it("says the schema's reason", async () => {
    expect(await errorsOf({ email: 'a@b.co', seats: 11 })).toEqual([expect.stringMatching(/^seats: Too big: .*<=10/)]);
    expect(await errorsOf({ email: 'a@b.co', seats: 1.5 })).toEqual(['seats: Invalid input: expected int, received number']);
  });

  it('a given message replaces the schema\'s', async () => {
    expect(await errorsOf({ email: 'a@b.co', nickname: 'Ada' })).toEqual(['nickname must be lowercase letters']);
  });
});
