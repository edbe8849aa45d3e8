# keepalived.conf statement tree.
#
# Tokens come from src/config/lexer.ts (moo + a filter): %words is the run of words (plain or
# quoted) on one line up to a brace or the line's end, and a %nl token appears only right
# after words, so every simple statement ends with exactly one %nl and the grammar has one
# parse for any input. Lists are left-recursive and built as immutable cons cells
# ({ prev, item }); src/config/parse.ts flattens them once after feed(), because an O(n)
# action here would run at every completion and make parsing quadratic.
#
#   stmt  := WORDS NL                     priority 100
#          | WORDS block                  virtual_ipaddress {
#          | WORDS NL block               brace on the next line
#   block := { stmts [WORDS] }            the last line may end at the brace: group { VI_1 VI_2 }

@preprocessor typescript

@{%
import { TokenStream } from './lexer';
const lexer = new TokenStream();
%}

@lexer lexer

config -> stmts                      {% id %}

stmts -> null                        {% () => null %}
       | stmts stmt                  {% (d) => ({ prev: d[0], item: d[1] }) %}

stmt -> %words %nl                   {% (d) => ({ words: d[0].words, block: null }) %}
      | %words block                 {% (d) => ({ words: d[0].words, block: d[1] }) %}
      | %words %nl block             {% (d) => ({ words: d[0].words, block: d[2] }) %}

block -> %lbrace stmts %rbrace        {% (d) => ({ stmts: d[1], open: d[0], close: d[2] }) %}
       | %lbrace stmts %words %rbrace {% (d) => ({ stmts: { prev: d[1], item: { words: d[2].words, block: null } }, open: d[0], close: d[3] }) %}
