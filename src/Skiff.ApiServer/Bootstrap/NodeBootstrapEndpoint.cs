using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Bootstrap;

/// <summary>
/// How a node joins, like k3s' supervisor endpoints: <c>GET /cacerts</c> hands out the CA (anyone may fetch it; the
/// agent checks it against the hash in its token), and <c>POST /v1-skiff/node-credentials</c>, authenticated by the
/// join token as a bearer token, issues the node's client certificate (<c>system:node:&lt;name&gt;</c> in
/// <c>system:nodes</c>) and its kubelet serving certificate. A wrong token gets a 401 Status and nothing is issued.
/// </summary>
public sealed partial class NodeBootstrapEndpoint
{
    public const string CaPath = "/cacerts";
    public const string CredentialsPath = "/v1-skiff/node-credentials";

    private readonly JoinToken _token;
    private readonly ClusterCertificates _certificates;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public NodeBootstrapEndpoint(JoinToken token, ClusterCertificates certificates, TimeProvider time, ILogger logger)
    {
        _token = token;
        _certificates = certificates;
        _time = time;
        _logger = logger;
    }

    /// <summary>Serves the request when its path is one of the bootstrap paths; false otherwise.</summary>
    public async Task<bool> TryHandleAsync(HttpContext ctx, string path)
    {
        switch (path)
        {
            case CaPath:
                RequireMethod(ctx, "GET", path);
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/x-pem-file";
                await ctx.Response.WriteAsync(_certificates.CaPem, ctx.RequestAborted);
                return true;
            case CredentialsPath:
                RequireMethod(ctx, "POST", path);
                await IssueAsync(ctx);
                return true;
            default:
                return false;
        }
    }

    private static void RequireMethod(HttpContext ctx, string method, string path)
    {
        if (ctx.Request.Method != method)
        {
            throw StatusErrors.MethodNotAllowed(ctx.Request.Method, path);
        }
    }

    private async Task IssueAsync(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..] : null;
        if (!_token.Accepts(presented))
        {
            _logger.LogWarning("node bootstrap from {Remote} refused: bad join token", ctx.Connection.RemoteIpAddress);
            throw StatusErrors.Unauthorized();
        }

        NodeCredentialsRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted), BootstrapJson.Default.NodeCredentialsRequest);
        }
        catch (JsonException e)
        {
            throw StatusErrors.BadRequest("invalid node credentials request: " + e.Message);
        }

        var name = request?.NodeName ?? string.Empty;
        if (name.Length > 253 || !NodeNamePattern().IsMatch(name))
        {
            throw StatusErrors.BadRequest($"invalid node name \"{name}\": must be a lowercase RFC 1123 subdomain");
        }

        var ips = new List<IPAddress>();
        foreach (var address in request!.Addresses ?? [])
        {
            if (!IPAddress.TryParse(address, out var ip))
            {
                throw StatusErrors.BadRequest($"invalid node address \"{address}\": must be an IP address");
            }

            ips.Add(ip);
        }

        var (clientCert, clientKey) = _certificates.IssueClientCertificate("system:node:" + name, ["system:nodes"], _time);
        var (servingCert, servingKey) = _certificates.IssueServingCertificate(name, ips, [name], _time);
        _logger.LogInformation("issued credentials for node {Node} ({Addresses})", name, string.Join(", ", ips));
        var response = new NodeCredentials(_certificates.CaPem, clientCert, clientKey, servingCert, servingKey);
        await ResponseWriter.WriteJsonAsync(ctx, 200, JsonSerializer.SerializeToUtf8Bytes(response, BootstrapJson.Default.NodeCredentials));
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex NodeNamePattern();
}
