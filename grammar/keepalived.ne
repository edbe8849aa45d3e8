# keepalived.conf statement tree.
#
# Tokens come from src/config/lexer.ts (moo + a filter): a newline token appears only right
# after a word, so every simple statement ends with exactly one %nl and the grammar has one
# parse for any input. Lists are left-recursive and built as immutable cons cells
# ({ prev, item }); src/config/parse.ts flattens them once after feed(), because an O(n)
# action here would run at every completion and make parsing quadratic.
#
#   stmt  := words NL                     priority 100
#          | words block                  virtual_ipaddress {
#          | words NL block               brace on the next line
#   block := { stmts [words] }            the last line may end at the brace: group { VI_1 VI_2 }

@preprocessor typescript

@{%
import { TokenStream } from './lexer';
const lexer = new TokenStream();
%}

@lexer lexer

config -> stmts                     {% id %}

stmts -> null                       {% () => null %}
       | stmts stmt                 {% (d) => ({ prev: d[0], item: d[1] }) %}

stmt -> words %nl                   {% (d) => ({ words: d[0], block: null }) %}
      | words block                 {% (d) => ({ words: d[0], block: d[1] }) %}
      | words %nl block             {% (d) => ({ words: d[0], block: d[2] }) %}

block -> %lbrace stmts %rbrace       {% (d) => ({ open: d[0], stmts: d[1], close: d[2] }) %}
       | %lbrace stmts words %rbrace {% (d) => ({ open: d[0], stmts: { prev: d[1], item: { words: d[2], block: null } }, close: d[3] }) %}

words -> word                       {% (d) => ({ prev: null, item: d[0] }) %}
       | words word                 {% (d) => ({ prev: d[0], item: d[1] }) %}

word -> %word                       {% id %}
      | %string                     {% id %}
