import { Matches } from 'class-validator';

export class SkuParam {
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'sku must be 1-64 of A-Za-z0-9_-' })
  sku!: string;
}
