// A JUnit 5 extension that starts the Partner Center emulator for a test class and stops it after.
// Copy it into your test sources; it needs only the JDK (17+) and JUnit Jupiter.
//
//   @ExtendWith(PartnerCenterEmulatorExtension.class)
//   class CustomerAgreementTest {
//       @Test
//       void ordersNeedAcceptance(PartnerCenterEmulatorExtension.Emulator emulator) throws Exception {
//           String token = emulator.appOnlyToken();
//           // point your client at emulator.baseUrl() and send Authorization: Bearer <token>
//       }
//   }
//
// PCE_BIN names the emulator binary (default: partner-center-emulator on the PATH). The emulator
// runs on a free port with a throwaway in-memory database; tokens come from its sign-in service
// with the development app and user every fresh database holds. The App+User token is refreshed
// from the refresh token the user's interactive sign-in (with MFA) left, as code using the Secure
// Application Model refreshes the one its consent left; the control plane issues that one (a
// password cannot sign in a user who must do MFA, here as at Entra ID).

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

public class PartnerCenterEmulatorExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    public static final String DEV_TENANT = "7e57da7a-0000-4000-8000-00000000d001";
    public static final String DEV_CLIENT_ID = "7e57da7a-0000-4000-8000-00000000a991";
    public static final String DEV_CLIENT_SECRET = "pce-development-client-secret-not-for-production";
    public static final String DEV_USER = "admin@contoso-dev.onmicrosoft.com";
    public static final String DEV_PASSWORD = "Pce-Development-Passw0rd";
    public static final String DEV_USER_ID = "7e57da7a-0000-4000-8000-00000000e5e1";
    public static final String SCOPE = "https://api.partnercenter.microsoft.com/.default";

    private Process process;
    private Emulator emulator;

    /** A running emulator: its address and tokens from its sign-in service. */
    public static final class Emulator {
        private final String baseUrl;
        private final HttpClient http = HttpClient.newHttpClient();

        Emulator(String baseUrl) {
            this.baseUrl = baseUrl;
        }

        public String baseUrl() {
            return baseUrl;
        }

        /** An App-only token of the development app (client credentials). */
        public String appOnlyToken() throws IOException, InterruptedException {
            return token(Map.of("grant_type", "client_credentials", "client_id", DEV_CLIENT_ID,
                    "client_secret", DEV_CLIENT_SECRET, "scope", SCOPE));
        }

        /** An App+User token of the development Admin agent, with MFA (a refresh of its sign-in's token). */
        public String appUserToken() throws IOException, InterruptedException {
            return token(Map.of("grant_type", "refresh_token", "client_id", DEV_CLIENT_ID,
                    "refresh_token", interactiveRefreshToken(), "scope", SCOPE));
        }

        /** The refresh token the development user's interactive sign-in (with MFA) left. */
        public String interactiveRefreshToken() throws IOException, InterruptedException {
            HttpResponse<String> answer = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + "/_emulator/partners/" + DEV_TENANT + "/users/"
                                    + DEV_USER_ID + "/refresh-tokens"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"clientId\": \"" + DEV_CLIENT_ID + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher token = Pattern.compile("\"refreshToken\"\\s*:\\s*\"([^\"]+)\"").matcher(answer.body());
            if (answer.statusCode() != 201 || !token.find()) {
                throw new IllegalStateException("no refresh token: " + answer.statusCode() + " " + answer.body());
            }
            return token.group(1);
        }

        /** Forget everything (the development identities are made again). */
        public void reset() throws IOException, InterruptedException {
            http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/_emulator/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        }

        private String token(Map<String, String> form) throws IOException, InterruptedException {
            String body = form.entrySet().stream()
                    .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            HttpResponse<String> answer = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + "/" + DEV_TENANT + "/oauth2/v2.0/token"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher token = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(answer.body());
            if (answer.statusCode() != 200 || !token.find()) {
                throw new IllegalStateException("no token: " + answer.statusCode() + " " + answer.body());
            }
            return token.group(1);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String binary = System.getenv().getOrDefault("PCE_BIN", "partner-center-emulator");
        ProcessBuilder builder = new ProcessBuilder(binary, "--listen", "127.0.0.1:" + port,
                "--database-url", "sqlite::memory:").inheritIO();
        builder.environment().put("RUST_LOG", "warn");
        process = builder.start();
        emulator = new Emulator("http://127.0.0.1:" + port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                HttpResponse<Void> ready = http.send(
                        HttpRequest.newBuilder(URI.create(emulator.baseUrl() + "/_emulator/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the emulator did not become ready");
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process != null) {
            process.destroy(); // SIGTERM: the emulator drains its requests and stops
            process.waitFor();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Emulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return emulator;
    }
}
