/** Wire shapes of the Claude Code usage report (provider notes, claude.md section 2). */

export type ClaudeCodeActor =
  { type: 'user_actor'; email_address: string } | { type: 'api_actor'; api_key_name: string };

export type ToolName = 'edit_tool' | 'multi_edit_tool' | 'write_tool' | 'notebook_edit_tool';

export interface ToolActionCounts {
  accepted: number;
  rejected: number;
}

export interface ModelTokens {
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

export interface ModelBreakdownEntry {
  model: string;
  tokens: ModelTokens;
  /** `amount` is an integer number of US cents (186 = $1.86). */
  estimated_cost: { amount: number; currency: 'USD' };
}

export type CustomerType = 'api' | 'subscription';
export type SubscriptionType = 'enterprise' | 'team' | null;

export interface ClaudeCodeRecord {
  actor: ClaudeCodeActor;
  organization_id: string;
  /** UTC midnight, `YYYY-MM-DDT00:00:00Z`. */
  date: string;
  customer_type: CustomerType;
  subscription_type: SubscriptionType;
  terminal_type: string;
  is_remote: boolean;
  core_metrics: {
    num_sessions: number;
    lines_of_code: { added: number; removed: number };
    commits_by_claude_code: number;
    pull_requests_by_claude_code: number;
  };
  tool_actions: Partial<Record<ToolName, ToolActionCounts>>;
  model_breakdown: ModelBreakdownEntry[];
}

export interface ClaudeCodeReportPage {
  data: ClaudeCodeRecord[];
  has_more: boolean;
  next_page: string | null;
}
