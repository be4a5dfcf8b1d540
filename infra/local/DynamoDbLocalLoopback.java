import java.lang.reflect.Field;
import java.util.Optional;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts Amazon's DynamoDB Local exactly as its own main class does (same command-line options),
 * with two differences the local runtime needs (see infra/local/dynamodb.ts):
 *
 * <ul>
 *   <li>It listens on 127.0.0.1 only. DynamoDB Local has no option for the address: it builds a
 *       Jetty server on a port alone, which listens on every interface, so anyone on the network
 *       could read and change the table without credentials. The connector's host is set before
 *       the server starts.
 *   <li>It exits when the process that started it is gone, however that process ended (SIGKILL
 *       included), so no Java is left behind holding the port.
 * </ul>
 *
 * Telemetry is not configured here, so this launcher sends none.
 */
public class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("storeline.dynamodb.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(host);
    }
    watchParent();
    proxy.start();
  }

  private static void watchParent() {
    Optional<ProcessHandle> parent = ProcessHandle.current().parent();
    if (parent.isEmpty()) return;
    ProcessHandle handle = parent.get();
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (handle.isAlive()) Thread.sleep(500);
              } catch (InterruptedException e) {
                return;
              }
              System.exit(0);
            },
            "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }
}
