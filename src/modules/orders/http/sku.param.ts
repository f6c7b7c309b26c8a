import { Matches } from 'class-validator';
import { SKU_FORMAT, SKU_PATTERN } from '../../../contracts/shared-schemas';

export class SkuParam {
  @Matches(SKU_PATTERN, { message: SKU_FORMAT })
  sku!: string;
}
