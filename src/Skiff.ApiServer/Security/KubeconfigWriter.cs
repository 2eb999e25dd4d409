using System.Text;

namespace Skiff.ApiServer.Security;

/// <summary>Writes the admin kubeconfig that <c>kubectl --kubeconfig</c> uses as is (credentials embedded).</summary>
public static class KubeconfigWriter
{
    public static string Render(string serverUrl, string caPem, string clientCertPem, string clientKeyPem, string clusterName = "skiff")
    {
        static string B64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
        var user = "admin@" + clusterName;
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {clusterName}
              cluster:
                server: {serverUrl}
                certificate-authority-data: {B64(caPem)}
            users:
            - name: {user}
              user:
                client-certificate-data: {B64(clientCertPem)}
                client-key-data: {B64(clientKeyPem)}
            contexts:
            - name: {clusterName}
              context:
                cluster: {clusterName}
                user: {user}
                namespace: default
            current-context: {clusterName}

            """;
    }

    public static async Task WriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        var tmp = path + ".tmp";
        await File.WriteAllTextAsync(tmp, content, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
