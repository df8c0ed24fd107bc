// Lets a plain `node` child process import the TypeScript sources (Node 24 strips types;
// this maps the `.js` specifiers of nodenext-style imports to the `.ts` files).
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (specifier.endsWith('.js') && specifier.startsWith('.')) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw error;
    }
  },
});
