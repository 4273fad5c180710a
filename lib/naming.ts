// Spellings shared by the model and the file formats: tfjs and Keras write the same name as 'meanSquaredError',
// 'mean_squared_error' or 'MeanSquaredError', and config keys in camelCase (tfjs) or snake_case (Keras).

/** Lower case without separators, so that every spelling of a name compares equal. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_\s-]/g, '');
}

/** tfjs-layers' generic_utils.toSnakeCase ('BatchNormalization' -> 'batch_normalization'). */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure[0] !== '_' ? insecure : 'private' + insecure;
}

/** tfjs-layers' generic_utils.toCamelCase ('use_bias' -> 'useBias'). */
export function toCamelCase(identifier: string): string {
  return identifier.replace(/[_-](\w)/g, (_, c: string) => c.toUpperCase());
}

/** A shallow copy with every key in camelCase (Keras configs read as tfjs ones). */
export function camelCaseKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[toCamelCase(k)] = v;
  return out;
}
