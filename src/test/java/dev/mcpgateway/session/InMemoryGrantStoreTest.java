package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InMemoryGrantStoreTest extends GrantStoreContract {

    @Override
    protected GrantStore store() {
        return new InMemoryGrantStore(1000, System::currentTimeMillis);
    }

    @Test
    void beyondItsBoundNewEntriesAreRefusedButExistingOnesReplaced() {
        GrantStore store = new InMemoryGrantStore(2, System::currentTimeMillis);
        result(store.put("a", "1", null));
        result(store.put("b", "2", null));
        assertThatThrownBy(() -> result(store.put("c", "3", null))).hasMessageContaining("2 entries");
        result(store.put("a", "1b", null));
        assertThat(result(store.get("a"))).isEqualTo("1b");
    }
}
