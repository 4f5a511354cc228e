package io.kwik.tck;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * Skips, before any of its set-up runs, each test a backend names in
 * {@link BackendSuite#skippedTests()}, and reports it skipped with the backend's reason. A name
 * that is no test of the class fails every test of it, so a typo or a renamed test cannot skip
 * silently, or stop skipping silently.
 */
final class DeclaredSkips implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<Method> method = context.getTestMethod();
        if (method.isEmpty() || !(context.getTestInstance().orElse(null) instanceof BackendSuite suite)) {
            return ConditionEvaluationResult.enabled("not a test of a suite");
        }
        Map<String, String> skipped = suite.skippedTests();
        if (skipped.isEmpty()) {
            return ConditionEvaluationResult.enabled("the backend skips no test");
        }
        Class<?> type = context.getRequiredTestClass();
        Set<String> tests = testNames(type);
        Set<String> unknown = new TreeSet<>(skipped.keySet());
        unknown.removeAll(tests);
        if (!unknown.isEmpty()) {
            throw new ExtensionConfigurationException(type.getName() + ".skippedTests() names " + unknown
                    + ", which are no tests of it; its tests are " + tests);
        }
        String name = method.get().getName();
        String reason = skipped.get(name);
        if (reason == null) {
            return ConditionEvaluationResult.enabled(name + " is not skipped");
        }
        if (reason.isBlank()) {
            throw new ExtensionConfigurationException(type.getName() + ".skippedTests() gives no reason for " + name);
        }
        return ConditionEvaluationResult.disabled(type.getSimpleName() + " skips " + name + ": " + reason);
    }

    private static Set<String> testNames(Class<?> type) {
        Set<String> names = new TreeSet<>();
        for (Method test : AnnotationSupport.findAnnotatedMethods(type, Testable.class, HierarchyTraversalMode.TOP_DOWN)) {
            names.add(test.getName());
        }
        return names;
    }
}
