namespace Skiff.Images.Recipes;

/// <summary>
/// The configuration layout of the official <c>nginx</c> image, which users' ConfigMaps and volume mounts are written
/// for: /etc/nginx/nginx.conf including /etc/nginx/conf.d/*.conf, the default server in
/// /etc/nginx/conf.d/default.conf serving /usr/share/nginx/html on port 80, worker processes as user <c>nginx</c>
/// (uid/gid 101), and logs in /var/log/nginx (linked to the container's stdout/stderr).
/// </summary>
internal static class NginxOfficialConfig
{
    public const int NginxUid = 101;

    public const string NginxConf = """
        user  nginx;
        worker_processes  auto;

        error_log  /var/log/nginx/error.log notice;
        pid        /var/run/nginx.pid;


        events {
            worker_connections  1024;
        }


        http {
            include       /etc/nginx/mime.types;
            default_type  application/octet-stream;

            log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                              '$status $body_bytes_sent "$http_referer" '
                              '"$http_user_agent" "$http_x_forwarded_for"';

            access_log  /var/log/nginx/access.log  main;

            sendfile        on;
            #tcp_nopush     on;

            keepalive_timeout  65;

            #gzip  on;

            include /etc/nginx/conf.d/*.conf;
        }

        """;

    public const string DefaultServer = """
        server {
            listen       80;
            server_name  localhost;

            #access_log  /var/log/nginx/host.access.log  main;

            location / {
                root   /usr/share/nginx/html;
                index  index.html index.htm;
            }

            # redirect server error pages to the static page /50x.html
            #
            error_page   500 502 503 504  /50x.html;
            location = /50x.html {
                root   /usr/share/nginx/html;
            }
        }

        """;

    public const string ErrorPage = """
        <!DOCTYPE html>
        <html>
        <head>
        <title>Error</title>
        </head>
        <body>
        <h1>An error occurred.</h1>
        <p>Sorry, the page you are looking for is currently unavailable.<br/>
        Please try again later.</p>
        </body>
        </html>

        """;
}
