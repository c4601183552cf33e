import { cache } from '../store/cache.ts';
import { useClassesVersion } from '../store/hooks.ts';

export { PRODUCT_NAME } from './product-name.ts';

/** The pool's brand as its master reports it (software_version product_brand: XenServer, XCP-ng…), or undefined. */
export function usePoolBrand(): string | undefined {
  useClassesVersion(['pool', 'host']);
  const [pool] = cache.all('pool').values();
  const master = pool ? cache.byRef('host', pool.master) : undefined;
  return master?.software_version.product_brand || undefined;
}
