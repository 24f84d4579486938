// The two Node globals the story uses, so that the tools need no @types/node.
declare const process: { argv: string[]; exit(code: number): never };
