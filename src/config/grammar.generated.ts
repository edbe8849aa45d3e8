// Generated automatically by nearley, version 2.20.1
// http://github.com/Hardmath123/nearley
// Bypasses TS6133. Allow declared but unused functions.
// @ts-ignore
function id(d: any[]): any { return d[0]; }
declare var nl: any;
declare var lbrace: any;
declare var rbrace: any;
declare var word: any;
declare var string: any;

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
    {"name": "stmt", "symbols": ["words", (lexer.has("nl") ? {type: "nl"} : nl)], "postprocess": (d) => ({ words: d[0], block: null })},
    {"name": "stmt", "symbols": ["words", "block"], "postprocess": (d) => ({ words: d[0], block: d[1] })},
    {"name": "stmt", "symbols": ["words", (lexer.has("nl") ? {type: "nl"} : nl), "block"], "postprocess": (d) => ({ words: d[0], block: d[2] })},
    {"name": "block", "symbols": [(lexer.has("lbrace") ? {type: "lbrace"} : lbrace), "stmts", (lexer.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": (d) => ({ open: d[0], stmts: d[1], close: d[2] })},
    {"name": "block", "symbols": [(lexer.has("lbrace") ? {type: "lbrace"} : lbrace), "stmts", "words", (lexer.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": (d) => ({ open: d[0], stmts: { prev: d[1], item: { words: d[2], block: null } }, close: d[3] })},
    {"name": "words", "symbols": ["word"], "postprocess": (d) => ({ prev: null, item: d[0] })},
    {"name": "words", "symbols": ["words", "word"], "postprocess": (d) => ({ prev: d[0], item: d[1] })},
    {"name": "word", "symbols": [(lexer.has("word") ? {type: "word"} : word)], "postprocess": id},
    {"name": "word", "symbols": [(lexer.has("string") ? {type: "string"} : string)], "postprocess": id}
  ],
  ParserStart: "config",
};

export default grammar;
