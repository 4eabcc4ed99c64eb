package dev.nanowal.sample;

import java.util.List;
import java.util.stream.Collectors;

import dev.nanowal.WalClosedException;
import dev.nanowal.WalEntryNotFoundException;
import dev.nanowal.WalLimitExceededException;
import dev.nanowal.sample.accounts.AccountRuleException;
import dev.nanowal.sample.accounts.VersionConflictException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.core.JacksonException;

import org.springframework.context.MessageSourceResolvable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 9457 problem response: Spring MVC's own (unknown path, wrong method, unreadable or invalid
 * body, through {@link ResponseEntityExceptionHandler}), the ones callers cause, and anything unexpected (a 500 whose
 * detail gives nothing away; the log has the stack trace).
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

    private static final Log logger = LogFactory.getLog(ApiErrors.class);

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler({ WalEntryNotFoundException.class, NotFoundException.class })
    ProblemDetail notFound(RuntimeException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    /** Another request changed the account first, or it is not at the version {@code If-Match} names. */
    @ExceptionHandler(VersionConflictException.class)
    ProblemDetail conflict(VersionConflictException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage());
    }

    /** A well-formed event that the account's state refuses: retrying it unchanged cannot succeed. */
    @ExceptionHandler(AccountRuleException.class)
    ProblemDetail refused(AccountRuleException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, ex.getMessage());
    }

    /** The application is shutting down: a long poll waiting for messages ends with this. */
    @ExceptionHandler(WalClosedException.class)
    ProblemDetail closed(WalClosedException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "The application is shutting down");
    }

    @ExceptionHandler(WalLimitExceededException.class)
    ProblemDetail tooLarge(WalLimitExceededException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, ex.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception ex) {
        logger.error("Request failed", ex);
        return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request failed on the server; its log says why");
    }

    /** Says what is wrong with the body: a record's own check, or where the JSON stops making sense. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, ProblemDetail.forStatusAndDetail(status, unreadable(ex)), headers, status,
                request);
    }

    private static String unreadable(HttpMessageNotReadableException ex) {
        for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException invalid) {
                return invalid.getMessage();
            }
        }
        if (ex.getCause() instanceof JacksonException json) {
            return "Malformed JSON: " + json.getOriginalMessage();
        }
        return "The request body is missing or is not JSON";
    }

    /** Names each field that failed a constraint of a {@code @Valid} body. */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, ProblemDetail.forStatusAndDetail(status, describe(ex.getAllErrors())),
                headers, status, request);
    }

    /** Names each constraint a parameter failed (a batch of the wrong size, an event in it). */
    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, ProblemDetail.forStatusAndDetail(status, describe(ex.getAllErrors())),
                headers, status, request);
    }

    private static String describe(List<? extends MessageSourceResolvable> errors) {
        return errors.stream()
            .map((error) -> (error instanceof FieldError field) ? field.getField() + " " + field.getDefaultMessage()
                    : error.getDefaultMessage())
            .collect(Collectors.joining("; "));
    }
}
