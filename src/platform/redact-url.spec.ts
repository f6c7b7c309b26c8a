import { redactUrls } from './redact-url';

describe('redactUrls', () => {
  it.each([
    ['postgres://shop:s3cret@db:5432/shop', 'postgres://shop:***@db:5432/shop'],
    ['postgres://shop:p%40ss@db/shop?sslmode=verify-full', 'postgres://shop:***@db/shop?sslmode=verify-full'],
    ['nats://s3cret@nats:4222', 'nats://***@nats:4222'],
    ['nats://a:x@n1:4222, tls://a:y@n2:4222', 'nats://a:***@n1:4222, tls://a:***@n2:4222'],
    ['postgres://db/shop?user=shop&password=s3cret&sslmode=require', 'postgres://db/shop?user=shop&password=***&sslmode=require'],
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['connect ECONNREFUSED for smtp://mail:s3cret@mail:25 after 3 tries', 'connect ECONNREFUSED for smtp://mail:***@mail:25 after 3 tries'],
  ])('given %s, hides the secret and keeps where it points', (input, expected) => {
    expect(redactUrls(input)).toBe(expected);
    expect(redactUrls(input)).not.toMatch(/s3cret|p%40ss|\bx@|\by@/);
  });

  it('leaves a URL without userinfo as it is; a user alone is hidden too (in NATS it is the token)', () => {
    expect(redactUrls('nats://127.0.0.1:4222,nats://b:4222')).toBe('nats://127.0.0.1:4222,nats://b:4222');
    expect(redactUrls('postgres://postgres@127.0.0.1:5432/shop')).toBe('postgres://***@127.0.0.1:5432/shop');
  });
});

describe('redactUrls: passwords the URL parser accepts unencoded', () => {
  // WHATWG URL (zod's z.url, pg, nats) takes the last `@` of the authority as the separator,
  // so `postgres://u:S3cr@t@host/db` is a valid URL whose password is `S3cr@t`.
  it.each([
    ['postgres://postgres:S3cr@tPw@127.0.0.1:5432/shop', 'postgres://postgres:***@127.0.0.1:5432/shop'],
    ['nats://shop:p@ss@n1:4222,nats://shop:p@ss@n2:4222', 'nats://shop:***@n1:4222,nats://shop:***@n2:4222'],
    ['redis://:S3cr@t@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
  ])('hides all of %s', (input, expected) => {
    expect(redactUrls(input)).toBe(expected);
  });
});
