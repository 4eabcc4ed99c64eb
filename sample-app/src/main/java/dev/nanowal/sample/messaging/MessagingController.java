package dev.nanowal.sample.messaging;

import java.time.Duration;
import java.util.Map;

import dev.nanowal.sample.NotFoundException;
import dev.nanowal.sample.messaging.MessageBroker.Page;
import dev.nanowal.sample.messaging.MessageBroker.Poll;
import dev.nanowal.sample.messaging.MessageBroker.Published;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Publish to a topic; read a partition (long poll with {@code wait}); poll it as a consumer and commit the
 * consumer's position.
 */
@RestController
@RequestMapping("/topics/{topic}")
class MessagingController {

    private final MessageBroker broker;

    MessagingController(MessageBroker broker) {
        this.broker = broker;
    }

    @PostMapping("/messages")
    @ResponseStatus(HttpStatus.CREATED)
    Published publish(@PathVariable String topic, @RequestParam String key, @RequestBody JsonNode payload) {
        return this.broker.publish(topic, key, payload);
    }

    @GetMapping("/partitions/{partition}/messages")
    Page read(@PathVariable String topic, @PathVariable int partition,
            @RequestParam(required = false) String after, @RequestParam(defaultValue = "10") int max,
            @RequestParam(defaultValue = "PT0S") Duration wait) {
        return this.broker.read(topic, partition, after, max, wait);
    }

    @PostMapping("/partitions/{partition}/consumers/{consumer}/poll")
    Poll poll(@PathVariable String topic, @PathVariable int partition, @PathVariable String consumer,
            @RequestParam(defaultValue = "10") int max, @RequestParam(defaultValue = "PT0S") Duration wait) {
        return this.broker.poll(topic, partition, consumer, max, wait);
    }

    @GetMapping("/partitions/{partition}/consumers/{consumer}")
    Map<String, String> position(@PathVariable String topic, @PathVariable int partition,
            @PathVariable String consumer) {
        String position = this.broker.position(topic, partition, consumer)
            .orElseThrow(() -> new NotFoundException(
                    "Consumer '" + consumer + "' has no position in " + topic + "-" + partition));
        return Map.of("position", position);
    }

    /** Commits the consumer's position, body {@code {"position": "<ref>"}}: the last message it processed. */
    @PutMapping("/partitions/{partition}/consumers/{consumer}")
    Map<String, String> commit(@PathVariable String topic, @PathVariable int partition,
            @PathVariable String consumer, @RequestBody Map<String, String> body) {
        return Map.of("position", this.broker.commit(topic, partition, consumer, body.get("position")));
    }
}
