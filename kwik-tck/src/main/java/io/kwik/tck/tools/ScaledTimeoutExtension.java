package io.kwik.tck.tools;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Stretches every {@link Timeout @Timeout} of the kit's suites by {@link TimeoutScale#factor()}.
 * {@code BackendSuite} registers it, so every suite and every subclass has it.
 *
 * <p>JUnit has no way to compute a timeout at run time (its {@code @Timeout} values are
 * constants), so with a factor other than 1 this extension takes the test's timeout over: it
 * withdraws the value JUnit's own timeout extension read from the annotation (JUnit then
 * applies no timeout of its own, unless {@code junit.jupiter.execution.timeout.default} is
 * configured) and runs the test method in a separate thread that fails after the annotated
 * timeout times the factor, as {@code @Timeout(threadMode = SEPARATE_THREAD)} does. With the
 * factor 1 it does nothing, and JUnit enforces the annotations exactly as written.
 *
 * @since 0.1.0
 */
public final class ScaledTimeoutExtension implements BeforeAllCallback, BeforeEachCallback, InvocationInterceptor {

    /*
     * Where JUnit Jupiter's TimeoutExtension (5.5 to 5.14 at least) keeps the @Timeout it read
     * for the class (beforeAll) and for the method (beforeEach), and looks it up before each
     * test method. JUnit's extensions run before ours, so removing the entry here leaves JUnit
     * without an explicit timeout. If a later JUnit keeps it elsewhere, the removal does
     * nothing and JUnit's unscaled timeout stays in force too: the test then fails early, it
     * never runs unbounded.
     */
    private static final ExtensionContext.Namespace JUNIT_TIMEOUT = ExtensionContext.Namespace.create(Timeout.class);
    private static final String JUNIT_TIMEOUT_KEY = "testable_method_timeout_from_annotation";

    /** Created by JUnit through {@code @ExtendWith}. */
    public ScaledTimeoutExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        withdrawJunitTimeout(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        withdrawJunitTimeout(context);
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
            ExtensionContext extensionContext) throws Throwable {
        runScaled(invocation, extensionContext);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
            ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext) throws Throwable {
        runScaled(invocation, extensionContext);
    }

    private static void withdrawJunitTimeout(ExtensionContext context) {
        if (TimeoutScale.factor() != 1.0) {
            context.getStore(JUNIT_TIMEOUT).remove(JUNIT_TIMEOUT_KEY);
        }
    }

    private static void runScaled(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        double factor = TimeoutScale.factor();
        Optional<Timeout> annotated = annotatedTimeout(context);
        if (factor == 1.0 || annotated.isEmpty()) {
            invocation.proceed();
            return;
        }
        Duration written = Duration.of(annotated.get().value(), annotated.get().unit().toChronoUnit());
        Duration scaled = TimeoutScale.scaled(written);
        assertTimeoutPreemptively(scaled, () -> {
            invocation.proceed();
        },
                () -> context.getDisplayName() + " timed out after " + scaled + " (@Timeout " + written + " × "
                        + TimeoutScale.PROPERTY + " " + factor + ")");
    }

    /** The method's own {@code @Timeout}, else its class's (inherited from the suite). */
    private static Optional<Timeout> annotatedTimeout(ExtensionContext context) {
        return context.getTestMethod().flatMap(method -> AnnotationSupport.findAnnotation(method, Timeout.class))
                .or(() -> context.getTestClass().flatMap(type -> AnnotationSupport.findAnnotation(type, Timeout.class)));
    }
}
