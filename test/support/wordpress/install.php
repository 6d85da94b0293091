<?php
/*
 * Installs a fresh test WordPress (`php run.php install`): what the web installer would do
 * (a public blog), plus pretty permalinks, Twenty Twenty-One and an empty blog (the sample
 * post, page and comment are deleted, so a site holds only what a test puts in).
 */

// The installer mails the admin; there is no mail here.
add_filter('pre_wp_mail', '__return_false');

wp_install(getenv('GH_WORDPRESS_TITLE') ?: 'Gatehouse Test Blog', 'admin', 'admin@example.test', true, '', 'admin-password');

switch_theme('twentytwentyone');
// Its blog index and archives show whole posts (the theme's default is excerpts).
set_theme_mod('display_excerpt_or_full_post', 'full');
update_option('blogdescription', 'A WordPress for the tests');
update_option('permalink_structure', '/%year%/%monthnum%/%postname%/');
update_option('default_pingback_flag', 0);
update_option('default_ping_status', 'closed');
foreach (get_posts(['post_type' => ['post', 'page'], 'post_status' => 'any', 'numberposts' => -1]) as $sample) {
    wp_delete_post($sample->ID, true);
}
global $wp_rewrite;
$wp_rewrite->init();
flush_rewrite_rules(false);
echo 'installed';
