// The part of jsfive's API blasnet uses (the package ships no type declarations).
declare module 'jsfive' {
  export class Group {
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly shape: number[];
    readonly dtype: unknown;
    readonly value: unknown;
    readonly attrs: Record<string, unknown>;
  }
}
