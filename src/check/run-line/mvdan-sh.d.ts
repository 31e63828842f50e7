// The part of mvdan-sh (mvdan/sh's shell parser, transpiled to JavaScript) that dockgate check reads: the
// syntax tree of a script, its commands and their words with their positions. The package ships no types.
declare module 'mvdan-sh' {
  export interface ShPos {
    Line(): number;
    Col(): number;
  }
  export interface ShNode {
    Pos(): ShPos;
    End(): ShPos;
  }
  export interface ShLit extends ShNode {
    Value: string;
  }
  export interface ShWord extends ShNode {
    Parts: ShNode[];
  }
  export interface ShParamExp extends ShNode {
    Short: boolean;
    Param: ShLit;
    Excl: boolean;
    Length: boolean;
    Width: boolean;
    Index: unknown;
    Slice: unknown;
    Repl: unknown;
    Names: number;
    Exp: unknown;
  }
  export interface ShQuoted extends ShNode {
    Dollar: boolean;
    Value: string;
    Parts: ShNode[];
  }
  export interface ShCallExpr extends ShNode {
    Assigns: ShNode[];
    Args: ShWord[];
  }
  export interface ShStmt extends ShNode {
    Cmd: ShNode | null;
    Redirs: ShNode[];
    Background: boolean;
    Negated: boolean;
  }
  export interface ShFile extends ShNode {
    Stmts: ShStmt[];
  }
  export interface ShParser {
    Parse(source: string, name: string): ShFile;
  }
  const sh: {
    syntax: {
      NewParser(): ShParser;
      NodeType(node: ShNode): string;
      Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
    };
  };
  export default sh;
}
