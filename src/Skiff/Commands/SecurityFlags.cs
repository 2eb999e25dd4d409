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

    public void AddTo(Command command)
    {
        command.Options.Add(_anonymousAuth);
    }

    public ServerSettings ApplyTo(ServerSettings settings, ParseResult parse) => settings with
    {
        AnonymousAuth = parse.GetValue(_anonymousAuth),
    };
}
