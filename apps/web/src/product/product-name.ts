/**
 * The product's one name, the README's: neutral, because the same console serves XenServer and XCP-ng pools.
 * Where the UI describes the pool it uses the pool's own brand instead (usePoolBrand). Free of browser code: the
 * build reads it too, for the page's first title.
 */
export const PRODUCT_NAME = 'XWC';
