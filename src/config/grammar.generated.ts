// Generated automatically by nearley, version 2.20.1
// http://github.com/Hardmath123/nearley
// Bypasses TS6133. Allow declared but unused functions.
// @ts-ignore
function id(d: any[]): any { return d[0]; }
declare var words: any;
declare var nl: any;
declare var lbrace: any;
declare var rbrace: any;

import { TokenStream } from './lexer';
const lexer = new TokenStream();

interface NearleyToken {
  value: any;
  [key: string]: any;
};

interface NearleyLexer {
  reset: (chunk: string, info: any) => void;
  next: () => NearleyToken | undefined;
  save: () => any;
  formatError: (token: never) => string;
  has: (tokenType: string) => boolean;
};

interface NearleyRule {
  name: string;
  symbols: NearleySymbol[];
  postprocess?: (d: any[], loc?: number, reject?: {}) => any;
};

type NearleySymbol = string | { literal: any } | { test: (token: any) => boolean };

interface Grammar {
  Lexer: NearleyLexer | undefined;
  ParserRules: NearleyRule[];
  ParserStart: string;
};

const grammar: Grammar = {
  Lexer: lexer,
  ParserRules: [
    {"name": "config", "symbols": ["stmts"], "postprocess": id},
    {"name": "stmts", "symbols": [], "postprocess": () => null},
    {"name": "stmts", "symbols": ["stmts", "stmt"], "postprocess": (d) => ({ prev: d[0], item: d[1] })},
    {"name": "stmt", "symbols": [(lexer.has("words") ? {type: "words"} : words), (lexer.has("nl") ? {type: "nl"} : nl)], "postprocess": (d) => ({ words: d[0].words, block: null })},
    {"name": "stmt", "symbols": [(lexer.has("words") ? {type: "words"} : words), "block"], "postprocess": (d) => ({ words: d[0].words, block: d[1] })},
    {"name": "stmt", "symbols": [(lexer.has("words") ? {type: "words"} : words), (lexer.has("nl") ? {type: "nl"} : nl), "block"], "postprocess": (d) => ({ words: d[0].words, block: d[2] })},
    {"name": "block", "symbols": [(lexer.has("lbrace") ? {type: "lbrace"} : lbrace), "stmts", (lexer.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": (d) => ({ stmts: d[1], open: d[0], close: d[2] })},
    {"name": "block", "symbols": [(lexer.has("lbrace") ? {type: "lbrace"} : lbrace), "stmts", (lexer.has("words") ? {type: "words"} : words), (lexer.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": (d) => ({ stmts: { prev: d[1], item: { words: d[2].words, block: null } }, open: d[0], close: d[3] })}
  ],
  ParserStart: "config",
};

export default grammar;
