import type { MetricType } from '../src/index.js';

/**
 * The exposition writer as it was before it wrote bytes (each sample's text joined with `+=`,
 * encoded 64K characters at a time): the reference the byte writer must match byte for byte.
 */
export class StringExpositionWriter {
  private text = '';
  private header = '';

  family(name: string, type: MetricType, help: string): this {
    this.header = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  sample(name: string, labelText: string, value: number): this {
    this.text += this.header;
    this.header = '';
    this.text += `${name}${labelText} ${formatValue(value)}\n`;
    return this;
  }

  raw(text: string): this {
    this.header = '';
    this.text += text.endsWith('\n') || text === '' ? text : `${text}\n`;
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.text, 'utf8');
  }
}

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}
