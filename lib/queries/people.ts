import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchJson } from "@/lib/queries/fetch-json";
import type { AuditRowDto, CreatedTokenDto, CreatedUserDto, TokenDto, UserDto } from "@/lib/schemas/people";

// React Query for people (docs/design.md §13): users, API tokens, the audit log.

export const peopleKeys = {
  all: ["people"] as const,
  users: () => [...peopleKeys.all, "users"] as const,
  tokens: (all: boolean) => [...peopleKeys.all, "tokens", all] as const,
  audit: (filters: Record<string, string>) => [...peopleKeys.all, "audit", filters] as const,
};

export const auditUrl = (filters: Record<string, string>, extra: Record<string, string> = {}) =>
  `/api/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)), ...extra })}`;

export const peopleQueries = {
  users: () => queryOptions({ queryKey: peopleKeys.users(), queryFn: () => fetchJson<UserDto[]>("/api/users") }),
  tokens: (all: boolean) => queryOptions({ queryKey: peopleKeys.tokens(all), queryFn: () => fetchJson<TokenDto[]>(`/api/tokens${all ? "?all=1" : ""}`) }),
  audit: (filters: Record<string, string>) =>
    queryOptions({ queryKey: peopleKeys.audit(filters), queryFn: () => fetchJson<{ rows: AuditRowDto[]; next: number | null }>(auditUrl(filters)) }),
};

export function usePeopleMutations() {
  const client = useQueryClient();
  const invalidate = () => client.invalidateQueries({ queryKey: peopleKeys.all });
  return {
    createUser: useMutation({
      mutationFn: (body: { email: string; password: string; role: string; name?: string }) => fetchJson<CreatedUserDto>("/api/users", { method: "POST", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
    updateUser: useMutation({
      mutationFn: ({ id, ...body }: { id: number; role?: string; disabled?: boolean; password?: string }) => fetchJson<UserDto>(`/api/users/${id}`, { method: "PATCH", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
    createToken: useMutation({
      mutationFn: (body: { scope: string; name?: string; expiresIn?: string; email?: string }) => fetchJson<CreatedTokenDto>("/api/tokens", { method: "POST", body: JSON.stringify(body) }),
      onSettled: invalidate,
    }),
    revokeToken: useMutation({
      mutationFn: (id: number) => fetchJson(`/api/tokens/${id}`, { method: "DELETE" }),
      onSettled: invalidate,
    }),
  };
}
