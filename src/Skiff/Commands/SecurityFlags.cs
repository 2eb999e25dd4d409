using System.CommandLine;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary>The API server's security flags of <c>skiff server</c>, named as kube-apiserver's.</summary>
internal sealed class SecurityFlags
{
    private readonly Option<bool> _anonymousAuth = new("--anonymous-auth")
    {
        Description = "Requests without credentials act as system:anonymous (group system:unauthenticated) and are authorized like anyone; false: they get 401 (except /healthz, /livez, /readyz, /version).",
        DefaultValueFactory = _ => true,
    };

    private readonly Option<string> _authorizationMode = new("--authorization-mode")
    {
        Description = "The authorizers after system:masters: Node,RBAC (the Node authorizer and RBAC, as kube-apiserver's usual setting) or AlwaysAllow (every authenticated request is allowed; for benchmarks and trusted single-user clusters).",
        DefaultValueFactory = _ => "Node,RBAC",
    };

    private readonly Option<string[]> _tlsSans = new("--tls-san")
    {
        Description = "More names or addresses for the serving certificate (k3s's flag; repeat it or separate with commas), e.g. an address other machines or network namespaces dial.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _auditPolicy = new("--audit-policy-file") { Description = "An audit.k8s.io/v1 Policy file: what the audit log keeps of each request (needs --audit-log-path)." };
    private readonly Option<string?> _auditPath = new("--audit-log-path") { Description = "Write audit.k8s.io/v1 Events as JSON lines to this file ('-' is standard output)." };
    private readonly Option<int> _auditMaxAge = new("--audit-log-maxage") { Description = "Days to keep rotated audit log files (0: no limit)." };
    private readonly Option<int> _auditMaxBackup = new("--audit-log-maxbackup") { Description = "Rotated audit log files to keep (0: no limit)." };
    private readonly Option<int> _auditMaxSize = new("--audit-log-maxsize") { Description = "Megabytes of the audit log before it is rotated (0: 100)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_anonymousAuth);
        command.Options.Add(_authorizationMode);
        command.Options.Add(_tlsSans);
        _authorizationMode.Validators.Add(result =>
        {
            if (ParseMode(result.GetValueOrDefault<string>()) is null)
            {
                result.AddError($"--authorization-mode must be Node,RBAC or AlwaysAllow (got '{result.GetValueOrDefault<string>()}')");
            }
        });
        command.Options.Add(_auditPolicy);
        command.Options.Add(_auditPath);
        command.Options.Add(_auditMaxAge);
        command.Options.Add(_auditMaxBackup);
        command.Options.Add(_auditMaxSize);
    }

    public ServerSettings ApplyTo(ServerSettings settings, ParseResult parse) => settings with
    {
        AnonymousAuth = parse.GetValue(_anonymousAuth),
        AuthorizationMode = ParseMode(parse.GetValue(_authorizationMode)) ?? ApiServer.Authorization.AuthorizationMode.Rbac,
        TlsSans = [.. (parse.GetValue(_tlsSans) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
        Audit = Audit(parse),
    };

    /// <summary>Upstream's mode lists that Skiff has: Node and RBAC together (either order), or AlwaysAllow.</summary>
    private static ApiServer.Authorization.AuthorizationMode? ParseMode(string? text)
    {
        var modes = (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        return modes switch
        {
            ["Node", "RBAC"] => ApiServer.Authorization.AuthorizationMode.Rbac,
            ["AlwaysAllow"] => ApiServer.Authorization.AuthorizationMode.AlwaysAllow,
            _ => null,
        };
    }

    /// <summary>As kube-apiserver: the log backend runs when both a policy and a path are given.</summary>
    private ApiServer.Audit.AuditOptions? Audit(ParseResult parse) =>
        parse.GetValue(_auditPolicy) is { Length: > 0 } policy && parse.GetValue(_auditPath) is { Length: > 0 } path
            ? new ApiServer.Audit.AuditOptions
            {
                PolicyFile = Path.GetFullPath(policy),
                LogPath = path == "-" ? path : Path.GetFullPath(path),
                MaxAgeDays = parse.GetValue(_auditMaxAge),
                MaxBackups = parse.GetValue(_auditMaxBackup),
                MaxSizeMegabytes = parse.GetValue(_auditMaxSize),
            }
            : null;
}
