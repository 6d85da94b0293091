<?php
/*
 * Functions the test harness (test/support/wordpress.ts) calls through run.php.
 */

/**
 * Inserts a post (`$id` 0) or updates one from the harness's fields (title, content,
 * excerpt, slug, status, date, category name) and prints its id and permalink path.
 * wp_insert_post unslashes what it is given, so the fields are slashed first.
 */
function gh_save_post(array $fields, int $id = 0): void {
    $post = ['post_type' => 'post', 'post_author' => 1];
    if ($id !== 0) {
        $post['ID'] = $id;
    }
    $names = ['title' => 'post_title', 'content' => 'post_content', 'excerpt' => 'post_excerpt', 'slug' => 'post_name', 'status' => 'post_status'];
    foreach ($names as $field => $column) {
        if (isset($fields[$field])) {
            $post[$column] = $fields[$field];
        }
    }
    if ($id === 0 && !isset($post['post_status'])) {
        $post['post_status'] = 'publish';
    }
    if (isset($fields['date'])) {
        $post['post_date'] = date('Y-m-d H:i:s', strtotime($fields['date']));
        $post['post_date_gmt'] = get_gmt_from_date($post['post_date']);
        $post['edit_date'] = true;
    }
    if (isset($fields['category'])) {
        $post['post_category'] = [wp_create_category($fields['category'])];
    }
    $saved = $id === 0 ? wp_insert_post(wp_slash($post), true) : wp_update_post(wp_slash($post), true);
    if (is_wp_error($saved)) {
        fwrite(STDERR, $saved->get_error_message() . "\n");
        exit(1);
    }
    echo json_encode(['id' => $saved, 'path' => wp_make_link_relative(get_permalink($saved))]);
}

/** Sets an option; a changed permalink setting takes effect at once (rules flushed). */
function gh_set_option(string $name, $value): void {
    global $wp_rewrite;
    update_option($name, $value);
    if (in_array($name, ['permalink_structure', 'category_base', 'tag_base'], true)) {
        $wp_rewrite->init();
        flush_rewrite_rules(false);
    }
}
